import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressPolicyFromSetting } from "./address-policy.js";
import { DEFAULT_FETCH_LIMITS, type FetchLimits, fetchGuarded } from "./guarded-fetch.js";

const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));

describe("fetchGuarded", () => {
  let server: Server;
  let base: string;
  let port: number;
  const sockets = new Set<Socket>();
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response: ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://x");
      hits.push(url.pathname);
      switch (url.pathname) {
        case "/page":
          response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          response.end("<html><body><p>hello</p></body></html>");
          return;
        case "/redirect":
          response.writeHead(302, { location: url.searchParams.get("to") ?? "/page" });
          response.end();
          return;
        case "/loop":
          response.writeHead(301, { location: "/loop" });
          response.end();
          return;
        case "/declared-huge":
          response.writeHead(200, {
            "content-type": "text/plain",
            "content-length": String(50 * 1024 * 1024),
          });
          response.write("x".repeat(1024));
          return;
        case "/endless": {
          response.writeHead(200, { "content-type": "text/plain" });
          const chunk = "y".repeat(16 * 1024);
          const pump = () => {
            while (response.write(chunk)) {
              if (response.destroyed) return;
            }
          };
          response.on("drain", pump);
          pump();
          return;
        }
        case "/bomb":
          response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
          response.end(bomb);
          return;
        case "/gzip":
          response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
          response.end(gzipSync("compressed hello"));
          return;
        case "/no-answer":
          return; // never answers
        case "/trickle":
          response.writeHead(200, { "content-type": "text/plain" });
          response.write("first bytes");
          return; // and then nothing
        default:
          response.writeHead(404);
          response.end("not here");
      }
    });
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  // Only 127.0.0.1 is let through, so every other private address stays refused.
  const local: FetchLimits = { ...DEFAULT_FETCH_LIMITS, policy: addressPolicyFromSetting("127.0.0.1") };
  const fetchLocal = (url: string, extra: Partial<FetchLimits> = {}) =>
    fetchGuarded(url, { ...local, ...extra });

  it("fetches a local page when its address is allowed", async () => {
    const page = await fetchLocal(`${base}/page`);
    expect(page.status).toBe(200);
    expect(page.contentType).toContain("text/html");
    expect(page.body.toString()).toContain("hello");
  });

  it.each([
    ["http://127.0.0.1:PORT/page", "127.0.0.1 is a loopback address"],
    ["http://[::1]:PORT/page", "::1 is a loopback address"],
    ["http://0x7f000001:PORT/page", "127.0.0.1 is a loopback address"],
    ["http://2130706433:PORT/page", "127.0.0.1 is a loopback address"],
    ["http://0177.0.0.1:PORT/page", "127.0.0.1 is a loopback address"],
    ["http://127.1:PORT/page", "127.0.0.1 is a loopback address"],
    ["http://0.0.0.0:PORT/page", "0.0.0.0 is an unspecified"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"],
    ["http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254 is the cloud metadata address"],
    ["http://[::ffff:127.0.0.1]:PORT/page", "is an IPv4-mapped address"],
    ["http://10.0.0.1/", "10.0.0.1 is a private address"],
    ["http://100.64.1.1/", "100.64.1.1 is a carrier-grade NAT"],
  ])("refuses %s by default, before connecting", async (template, reason) => {
    const before = hits.length;
    await expect(fetchGuarded(template.replace("PORT", String(port)), DEFAULT_FETCH_LIMITS)).rejects.toThrow(
      reason,
    );
    expect(hits.length).toBe(before);
  });

  it("refuses a redirect from an allowed host to a private one, on every hop", async () => {
    for (const target of [
      "http://127.0.0.2:1/secret",
      "http://[::1]:1/secret",
      "http://169.254.169.254/latest/meta-data/",
      "http://2130706434/",
    ]) {
      await expect(fetchLocal(`${base}/redirect?to=${encodeURIComponent(target)}`)).rejects.toThrow(
        /refusing to fetch/,
      );
    }
    // A redirect that stays on allowed ground is followed.
    const followed = await fetchLocal(`${base}/redirect?to=${encodeURIComponent("/page")}`);
    expect(followed.url).toBe(`${base}/page`);
    expect(followed.body.toString()).toContain("hello");
  });

  it("stops after too many redirects", async () => {
    await expect(fetchLocal(`${base}/loop`, { maxRedirects: 3 })).rejects.toThrow("too many redirects");
  });

  it("refuses other schemes and credentials", async () => {
    await expect(fetchLocal("file:///etc/passwd")).rejects.toThrow("only http:// and https://");
    await expect(
      fetchLocal(`${base}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`),
    ).rejects.toThrow("only http:// and https://");
    await expect(fetchLocal("gopher://127.0.0.1/")).rejects.toThrow("only http:// and https://");
    await expect(fetchLocal(`http://user:pw@127.0.0.1:${port}/page`)).rejects.toThrow("credentials");
    await expect(fetchLocal("not a url")).rejects.toThrow("not a valid URL");
  });

  it("refuses bodies over the cap: declared, streamed without end, or decompressed from a gzip bomb", async () => {
    const small = { maxBytes: 256 * 1024 };
    await expect(fetchLocal(`${base}/declared-huge`, small)).rejects.toThrow("larger than 256 KB");
    await expect(fetchLocal(`${base}/endless`, small)).rejects.toThrow("larger than 256 KB");
    await expect(fetchLocal(`${base}/bomb`, small)).rejects.toThrow("larger than 256 KB");
    const gzip = await fetchLocal(`${base}/gzip`, small);
    expect(gzip.body.toString()).toBe("compressed hello");
  });

  it("gives up on a server that never answers or stops sending", async () => {
    await expect(fetchLocal(`${base}/no-answer`, { timeoutMs: 300 })).rejects.toThrow(
      /took (longer|too long)/,
    );
    await expect(fetchLocal(`${base}/trickle`, { timeoutMs: 300 })).rejects.toThrow(/took (longer|too long)/);
  });

  it("connects to the address it checked, not to a second DNS answer", async () => {
    const answers: string[] = [];
    // A host that does not exist in real DNS: the request can only succeed through the pinned address.
    const resolve = async (hostname: string) => {
      answers.push(hostname);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const page = await fetchLocal(`http://pinned.invalid:${port}/page`, { resolve });
    expect(page.body.toString()).toContain("hello");
    expect(answers).toEqual(["pinned.invalid"]);
  });

  it("refuses a host when any of its addresses is private", async () => {
    const resolve = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await expect(fetchGuarded("http://mixed.invalid/", { ...DEFAULT_FETCH_LIMITS, resolve })).rejects.toThrow(
      "10.0.0.5 is a private address",
    );
  });
});
