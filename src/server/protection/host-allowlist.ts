/**
 * Which `Host` header values the server answers. A page that rebinds its own DNS name to 127.0.0.1
 * still sends its own name as `Host`, so answering only known names defeats DNS rebinding.
 */

/** One allowed host: a name (lowercase; IPv6 in brackets) and a port, or any port when null. */
export interface AllowedHost {
  host: string;
  port: number | null;
}

/** A parsed `Host` header (or allowlist entry): lowercase name, IPv6 in brackets, explicit port or null. */
export interface Authority {
  host: string;
  port: number | null;
}

const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/;

/** Parses `name`, `name:port`, `[v6]` or `[v6]:port`; anything else (userinfo, paths, spaces) is null. */
export function parseAuthority(value: string): Authority | null {
  const match = AUTHORITY.exec(value.trim().toLowerCase());
  if (!match) return null;
  // A fully qualified `localhost.` names the same host as `localhost`.
  const host = (match[1] as string).replace(/(?<=[^.])\.$/, "");
  if (host === "" || host.startsWith(".")) return null;
  if (match[2] === undefined) return { host, port: null };
  const port = Number(match[2]);
  return port > 65535 ? null : { host, port };
}

/** The names that always reach this machine and no other. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Parses `REVERIE_ALLOWED_HOSTS` (comma-separated `host` or `host:port`); throws on an entry that is
 * not one, naming it, so a typo does not silently lock the operator out.
 */
export function parseAllowedHosts(text: string | undefined): AllowedHost[] {
  if (text === undefined) return [];
  const hosts: AllowedHost[] = [];
  for (const entry of text.split(",")) {
    if (entry.trim() === "") continue;
    const authority = parseAuthority(entry);
    if (!authority) {
      throw new Error(
        `REVERIE_ALLOWED_HOSTS: '${entry.trim()}' is not a host or host:port (e.g. reverie.example.com or 10.0.0.5:8283)`,
      );
    }
    hosts.push(authority);
  }
  return hosts;
}

/** An address as it appears in a Host header: IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
export function addressAsHost(address: string): string {
  const plain = address.toLowerCase().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped) return mapped[1] as string;
  return plain.includes(":") ? `[${plain}]` : plain;
}

/** What a request is checked against. */
export interface HostPolicy {
  /** Operator-added hosts (REVERIE_ALLOWED_HOSTS). */
  allowed: readonly AllowedHost[];
  /** The name or address the server was bound to; a non-wildcard one is allowed like localhost. */
  boundHost?: string | undefined;
}

/** Where the request arrived, when served over a socket (unknown for in-process `app.request`). */
export interface LocalEndpoint {
  address: string;
  port: number;
}

const WILDCARDS = new Set(["0.0.0.0", "[::]", "::"]);

/**
 * Whether `authority` may be served. Loopback names, the bound host and the local address the
 * connection reached are allowed with the port the server listens on (any port when that is unknown,
 * as for `app.request` in tests, where no browser can be involved); operator entries with their port.
 */
export function isAllowedHost(
  authority: Authority,
  policy: HostPolicy,
  local: LocalEndpoint | null,
): boolean {
  const samePort = local === null || (authority.port ?? 80) === local.port;
  if (LOOPBACK_HOSTS.includes(authority.host) && samePort) return true;
  if (policy.boundHost !== undefined && samePort) {
    const bound = addressAsHost(policy.boundHost);
    if (!WILDCARDS.has(bound) && bound === authority.host) return true;
  }
  // An IP literal equal to the address the client reached names this server itself: no rebinding.
  if (local !== null && samePort && addressAsHost(local.address) === authority.host) return true;
  return policy.allowed.some(
    (entry) =>
      entry.host === authority.host && (entry.port === null || entry.port === (authority.port ?? 80)),
  );
}
