import { isIPv4, isIPv6 } from "node:net";

/**
 * Which network addresses `fetch_webpage` may connect to. By default only public unicast addresses:
 * everything an attacker could use to reach the server's own network (loopback, private ranges,
 * link-local and cloud metadata, CGNAT, unique-local IPv6, IPv4 hidden inside IPv6) is refused.
 */
export interface AddressPolicy {
  /** Every address is allowed (`REVERIE_FETCH_ALLOW_PRIVATE=1`). */
  allowAll: boolean;
  /** Single addresses allowed although they are not public (`REVERIE_FETCH_ALLOW_PRIVATE=10.0.0.5,…`). */
  allowed: ReadonlySet<string>;
}

/** The default policy: public addresses only. */
export const PUBLIC_ONLY: AddressPolicy = { allowAll: false, allowed: new Set() };

/**
 * Reads `REVERIE_FETCH_ALLOW_PRIVATE`: `1`/`true`/`yes`/`on` allows every address; a comma-separated list
 * of IP addresses allows just those; empty, `0`, `false`, `no` or `off` keeps the default.
 */
export function addressPolicyFromSetting(
  value: string | undefined,
  setting = "REVERIE_FETCH_ALLOW_PRIVATE",
): AddressPolicy {
  const text = value?.trim().toLowerCase() ?? "";
  if (["", "0", "false", "no", "off"].includes(text)) return PUBLIC_ONLY;
  if (["1", "true", "yes", "on", "all"].includes(text)) return { allowAll: true, allowed: new Set() };
  const allowed = new Set<string>();
  for (const entry of text.split(",")) {
    const address = entry.trim().replace(/^\[|\]$/g, "");
    if (!address) continue;
    if (!isIPv4(address) && !isIPv6(address)) {
      throw new Error(
        `${setting}: '${entry.trim()}' is not an IP address; give 1 to allow every address or a comma-separated list of addresses`,
      );
    }
    allowed.add(canonicalAddress(address));
  }
  return { allowAll: false, allowed };
}

/** Why an address may not be fetched from under this policy, or undefined when it may. */
export function refusedAddress(address: string, policy: AddressPolicy = PUBLIC_ONLY): string | undefined {
  if (policy.allowAll) return undefined;
  const bare = address.replace(/^\[|\]$/g, "");
  if (policy.allowed.has(canonicalAddress(bare))) return undefined;
  if (isIPv4(bare)) return ipv4Refusal(ipv4Bytes(bare));
  if (isIPv6(bare)) return ipv6Refusal(ipv6Bytes(bare));
  return "not an IP address";
}

/** One spelling per address, so `::1` and `0:0:0:0:0:0:0:1` match the same allowlist entry. */
function canonicalAddress(address: string): string {
  if (isIPv4(address)) return ipv4Bytes(address).join(".");
  if (isIPv6(address)) return ipv6Bytes(address).join(",");
  return address;
}

function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted quad expanded). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = text.split("::");
  const groupsOf = (part: string) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const before = groupsOf(head);
  const after = rest === undefined ? [] : groupsOf(rest);
  const groups = [...before, ...new Array(8 - before.length - after.length).fill(0), ...after];
  const bytes = groups.flatMap((group) => [group >> 8, group & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Whether the first `bits` bits of `bytes` equal those of `prefix`. */
function inPrefix(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const width = Math.min(8, bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((prefix[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const IPV4_REFUSED: ReadonlyArray<[prefix: number[], bits: number, reason: string]> = [
  [[0, 0, 0, 0], 8, "an unspecified ('this network') address"],
  [[10, 0, 0, 0], 8, "a private address"],
  [[100, 64, 0, 0], 10, "a carrier-grade NAT (shared) address"],
  [[127, 0, 0, 0], 8, "a loopback address"],
  [[169, 254, 169, 254], 32, "the cloud metadata address"],
  [[169, 254, 0, 0], 16, "a link-local address"],
  [[172, 16, 0, 0], 12, "a private address"],
  [[192, 0, 0, 0], 24, "an IETF protocol address"],
  [[192, 0, 2, 0], 24, "a documentation address"],
  [[192, 88, 99, 0], 24, "a 6to4 relay address"],
  [[192, 168, 0, 0], 16, "a private address"],
  [[198, 18, 0, 0], 15, "a benchmarking address"],
  [[198, 51, 100, 0], 24, "a documentation address"],
  [[203, 0, 113, 0], 24, "a documentation address"],
  [[224, 0, 0, 0], 4, "a multicast address"],
  [[240, 0, 0, 0], 4, "a reserved or broadcast address"],
];

function ipv4Refusal(bytes: readonly number[]): string | undefined {
  return IPV4_REFUSED.find(([prefix, bits]) => inPrefix(bytes, prefix, bits))?.[2];
}

const v6 = (address: string) => ipv6Bytes(address);

const IPV6_REFUSED: ReadonlyArray<[prefix: number[], bits: number, reason: string]> = [
  [v6("::1"), 128, "a loopback address"],
  [v6("::"), 128, "an unspecified address"],
  [v6("::ffff:0:0"), 96, "an IPv4-mapped address"],
  [v6("::"), 96, "an IPv4-compatible address"],
  [v6("64:ff9b:1::"), 48, "a local-use NAT64 address"],
  [v6("100::"), 64, "a discard-only address"],
  [v6("2001::"), 32, "a Teredo tunnel address"],
  [v6("2001:db8::"), 32, "a documentation address"],
  [v6("fd00:ec2::254"), 128, "the cloud metadata address"],
  [v6("fc00::"), 7, "a unique-local address"],
  [v6("fe80::"), 10, "a link-local address"],
  [v6("fec0::"), 10, "a site-local address"],
  [v6("ff00::"), 8, "a multicast address"],
];

function ipv6Refusal(bytes: readonly number[]): string | undefined {
  const reason = IPV6_REFUSED.find(([prefix, bits]) => inPrefix(bytes, prefix, bits))?.[2];
  if (reason) return reason;
  // Addresses that carry an IPv4 address inside are judged by that address.
  if (inPrefix(bytes, v6("64:ff9b::"), 96)) return embedded(ipv4Refusal(bytes.slice(12, 16)), "NAT64");
  if (inPrefix(bytes, v6("2002::"), 16)) return embedded(ipv4Refusal(bytes.slice(2, 6)), "6to4");
  return undefined;
}

function embedded(reason: string | undefined, kind: string): string | undefined {
  return reason && `a ${kind} address wrapping ${reason}`;
}
