import { describe, expect, it } from "vitest";
import { addressPolicyFromSetting, PUBLIC_ONLY, refusedAddress } from "./address-policy.js";

describe("refusedAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.0.7", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::ffff:8.8.8.8", "IPv4-mapped"],
    ["::ffff:7f00:1", "IPv4-mapped"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["fd00:ec2::254", "metadata"],
    ["fc00::1", "unique-local"],
    ["fdff:ffff::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["64:ff9b::7f00:1", "NAT64 address wrapping a loopback"],
    ["64:ff9b::a9fe:a9fe", "NAT64 address wrapping the cloud metadata"],
    ["2002:7f00:1::", "6to4 address wrapping a loopback"],
    ["2001:db8::1", "documentation"],
    ["[::1]", "loopback"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(refusedAddress(address)).toContain(reason);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "169.253.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("allows the public address %s", (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it("refuses what is not an IP address", () => {
    expect(refusedAddress("localhost")).toBe("not an IP address");
    expect(refusedAddress("0x7f000001")).toBe("not an IP address");
  });
});

describe("addressPolicyFromSetting", () => {
  it("keeps the default for empty and negative values", () => {
    for (const value of [undefined, "", "0", "false", "off", "NO"]) {
      expect(addressPolicyFromSetting(value)).toEqual(PUBLIC_ONLY);
    }
  });

  it("allows everything for a true value", () => {
    const policy = addressPolicyFromSetting("true");
    expect(refusedAddress("127.0.0.1", policy)).toBeUndefined();
    expect(refusedAddress("169.254.169.254", policy)).toBeUndefined();
  });

  it("allows just the listed addresses, whatever their spelling", () => {
    const policy = addressPolicyFromSetting("127.0.0.1, [::1]");
    expect(refusedAddress("127.0.0.1", policy)).toBeUndefined();
    expect(refusedAddress("0:0:0:0:0:0:0:1", policy)).toBeUndefined();
    expect(refusedAddress("127.0.0.2", policy)).toContain("loopback");
    expect(refusedAddress("169.254.169.254", policy)).toContain("metadata");
  });

  it("rejects a list entry that is not an address, naming it", () => {
    expect(() => addressPolicyFromSetting("10.0.0.1,intranet.local")).toThrow(
      /'intranet.local' is not an IP address/,
    );
  });
});
