import { describe, expect, it } from "vitest";
import { decideBind, isLoopbackHost } from "./bind-policy.js";

describe("bind policy", () => {
  it("knows loopback addresses", () => {
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
      "0:0:0:0:0:0:0:1",
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.4", "10.0.0.1", "example.com", "128.0.0.1", "::2", ""]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it("serves loopback without keys and refuses any other address without one", () => {
    expect(decideBind({ host: "127.0.0.1", keyConfigured: false, insecureNoAuth: false })).toEqual({
      action: "serve",
    });
    const refused = decideBind({ host: "0.0.0.0", keyConfigured: false, insecureNoAuth: false });
    expect(refused.action).toBe("refuse");
    const message = refused.action === "refuse" ? refused.message : "";
    expect(message).toContain("REVERIE_API_KEY");
    expect(message).toContain("reverie keys create");
    expect(message).toContain("--insecure-no-auth");
    expect(decideBind({ host: "0.0.0.0", keyConfigured: true, insecureNoAuth: false })).toEqual({
      action: "serve",
    });
  });

  it("warns at every start with --insecure-no-auth", () => {
    const open = decideBind({ host: "0.0.0.0", keyConfigured: false, insecureNoAuth: true });
    expect(open.action).toBe("serve");
    expect(open.action === "serve" && open.warning).toMatch(/WARNING.*--insecure-no-auth[\s\S]*ANYONE/);
    const local = decideBind({ host: "127.0.0.1", keyConfigured: false, insecureNoAuth: true });
    expect(local.action === "serve" && local.warning).toContain("WARNING");
  });
});
