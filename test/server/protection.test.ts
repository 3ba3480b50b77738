import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllowedHosts } from "../../src/server/protection/host-allowlist.js";
import { parseCorsOrigins } from "../../src/server/protection/origins.js";
import { protectionFromEnvironment } from "../../src/server/protection/protection.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { createTestApp, type TestApp } from "./test-app.js";

const HOST_REFUSED = "this host is not allowed; add it to REVERIE_ALLOWED_HOSTS";
const SEND_JSON = "send Content-Type: application/json";
const AGENT = { name: "probe", model: "openai/gpt-4o-mini", embedding: "openai/text-embedding-3-small" };

async function send(t: TestApp, path: string, init: RequestInit, env?: unknown) {
  const response = await t.app.request(path, init, env as never);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
  return { status: response.status, body: body as any, headers: response.headers };
}

/** What @hono/node-server gives the app for a request on a socket at 127.0.0.1:`port`. */
const socketAt = (port: number, address = "127.0.0.1") => ({
  incoming: { socket: { localPort: port, localAddress: address } },
});

describe("protection from web pages (in process)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ webRoot: false });
  });
  afterAll(async () => {
    await t.close();
  });

  describe("Host allowlist", () => {
    it("refuses a foreign Host, before any handler, and writes nothing", async () => {
      for (const host of ["evil.com", "evil.test:8283", "localhost.evil.com", "127.0.0.2", "[::2]:8283"]) {
        const read = await send(t, "/v1/agents/", { headers: { host } });
        expect(read.status, host).toBe(403);
        expect(read.body).toEqual({ detail: HOST_REFUSED });
        const write = await send(t, "/v1/agents/", {
          method: "POST",
          headers: { host, "content-type": "application/json" },
          body: JSON.stringify(AGENT),
        });
        expect(write.status, host).toBe(403);
      }
      expect(await t.store.agents.count()).toBe(0);
    });

    it("refuses malformed Host values instead of guessing", async () => {
      for (const host of [
        "localhost@evil.com",
        "evil.com/localhost",
        "localhost:99999",
        "local host",
        "..",
        ":8283",
      ]) {
        expect((await send(t, "/v1/health/", { headers: { host } })).status, host).toBe(403);
      }
    });

    it("serves loopback names on any port when the port is unknown (in process)", async () => {
      for (const host of ["localhost", "LOCALHOST:8283", "127.0.0.1:1234", "[::1]:8283", "localhost.:8283"]) {
        expect((await send(t, "/v1/health/", { headers: { host } })).status, host).toBe(200);
      }
      // No Host header at all: the URL's host (localhost for app.request).
      expect((await send(t, "/v1/health/", {})).status).toBe(200);
    });

    it("requires the listening port on a socket", async () => {
      const env = socketAt(8283);
      expect((await send(t, "/v1/health/", { headers: { host: "localhost:8283" } }, env)).status).toBe(200);
      expect((await send(t, "/v1/health/", { headers: { host: "127.0.0.1:8283" } }, env)).status).toBe(200);
      for (const host of ["localhost:8284", "localhost", "[::1]:80"]) {
        const refused = await send(t, "/v1/health/", { headers: { host } }, env);
        expect(refused.status, host).toBe(403);
        expect(refused.body.detail).toBe(HOST_REFUSED);
      }
      // Port 80 is implied by a Host without a port.
      expect((await send(t, "/v1/health/", { headers: { host: "localhost" } }, socketAt(80))).status).toBe(
        200,
      );
    });

    it("serves the address the connection reached, which no rebinding can fake", async () => {
      const env = socketAt(8283, "::ffff:192.168.1.20");
      expect((await send(t, "/v1/health/", { headers: { host: "192.168.1.20:8283" } }, env)).status).toBe(
        200,
      );
      expect((await send(t, "/v1/health/", { headers: { host: "192.168.1.21:8283" } }, env)).status).toBe(
        403,
      );
      expect((await send(t, "/v1/health/", { headers: { host: "192.168.1.20:9000" } }, env)).status).toBe(
        403,
      );
    });
  });

  describe("content types", () => {
    it("refuses JSON sent as text/plain, a form or multipart, and writes nothing", async () => {
      const form = new FormData();
      form.set("name", "probe");
      const bodies: Array<[string, RequestInit]> = [
        ["text/plain", { headers: { "content-type": "text/plain" }, body: JSON.stringify(AGENT) }],
        ["text/plain;charset=UTF-8", { body: JSON.stringify(AGENT) }],
        [
          "text/plain; application/json",
          { headers: { "content-type": "text/plain; application/json" }, body: "{}" },
        ],
        ["form", { body: new URLSearchParams({ name: "probe" }) }],
        ["multipart", { body: form }],
        ["no content type", { body: new Uint8Array(Buffer.from(JSON.stringify(AGENT))) }],
        ["application/jsonp", { headers: { "content-type": "application/jsonx" }, body: "{}" }],
      ];
      for (const [label, init] of bodies) {
        const response = await send(t, "/v1/agents/", { method: "POST", ...init });
        expect(response.status, label).toBe(415);
        expect(response.body, label).toEqual({ detail: SEND_JSON });
      }
      expect(await t.store.agents.count()).toBe(0);
    });

    it("accepts application/json with a charset or in capitals", async () => {
      for (const type of ["application/json; charset=utf-8", "Application/JSON"]) {
        const response = await send(t, "/v1/agents/", {
          method: "POST",
          headers: { "content-type": type },
          body: JSON.stringify({ ...AGENT, name: `ok-${type.length}` }),
        });
        expect(response.status, type).toBe(200);
      }
    });

    it("guards every JSON route: PATCH, DELETE and the streaming sends", async () => {
      const block = (await t.call("POST", "/v1/blocks/", { label: "human", value: "Ada" })).body;
      const patched = await send(t, `/v1/blocks/${block.id}`, {
        method: "PATCH",
        body: JSON.stringify({ value: "Mallory" }),
      });
      expect(patched.status).toBe(415);
      expect((await t.call("GET", `/v1/blocks/${block.id}`)).body.value).toBe("Ada");

      const agent = (await t.call("POST", "/v1/agents/", { ...AGENT, name: "sender" })).body;
      for (const path of [`/v1/agents/${agent.id}/messages/stream`, `/v1/agents/${agent.id}/messages`]) {
        const response = await send(t, path, {
          method: "POST",
          body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], streaming: true }),
        });
        expect(response.status, path).toBe(415);
      }
      expect((await t.call("GET", `/v1/runs/?agent_id=${agent.id}`)).body).toEqual([]);
    });

    it("keeps bodyless calls working, as the Letta clients send them", async () => {
      const agent = (await t.call("POST", "/v1/agents/", { ...AGENT, name: "bodyless" })).body;
      const block = (await t.call("POST", "/v1/blocks/", { label: "notes", value: "x" })).body;
      const attached = await send(t, `/v1/agents/${agent.id}/core-memory/blocks/attach/${block.id}`, {
        method: "PATCH",
      });
      expect(attached.status).toBe(200);
      const reset = await send(t, `/v1/agents/${agent.id}/reset-messages`, { method: "PATCH" });
      expect(reset.status).toBe(200);
      const removed = await send(t, `/v1/blocks/${block.id}`, { method: "DELETE" });
      expect(removed.status).toBe(200);
    });

    it("lets multipart routes take multipart (and import its documented JSON), nothing else", async () => {
      const folder = (await t.call("POST", "/v1/folders/", { name: "docs", embedding: AGENT.embedding }))
        .body;
      const form = new FormData();
      form.set("file", new File(["hello"], "a.txt", { type: "text/plain" }));
      const uploaded = await send(t, `/v1/folders/${folder.id}/upload`, { method: "POST", body: form });
      expect(uploaded.status).toBe(200);
      for (const path of [`/v1/folders/${folder.id}/upload`, "/v1/agents/import"]) {
        const plain = await send(t, path, { method: "POST", body: "hello" });
        expect(plain.status, path).toBe(415);
        expect(plain.body.detail, path).toMatch(/^send Content-Type: multipart\/form-data/);
        const urlencoded = await send(t, path, { method: "POST", body: new URLSearchParams({ file: "x" }) });
        expect(urlencoded.status, path).toBe(415);
      }
      // Import documents a raw JSON body; a broken one is a 4xx from the route, not a 415.
      const json = await t.call("POST", "/v1/agents/import", "{}");
      expect(json.status).toBeGreaterThanOrEqual(400);
      expect(json.status).not.toBe(415);
    });
  });

  describe("Origin and CORS (closed by default)", () => {
    it("refuses a write from another origin, whatever its content type or body", async () => {
      const before = await t.store.agents.count();
      for (const origin of ["http://evil.com", "http://127.0.0.1:9999", "null", "http://localhost:5173"]) {
        const json = await send(t, "/v1/agents/", {
          method: "POST",
          headers: { origin, "content-type": "application/json" },
          body: JSON.stringify(AGENT),
        });
        expect(json.status, origin).toBe(403);
        expect(json.body.detail).toBe(
          `cross-origin requests from ${origin} are not allowed; add it to REVERIE_CORS_ORIGINS`,
        );
        expect(json.headers.get("access-control-allow-origin")).toBeNull();
        const bodyless = await send(t, "/v1/agents/", { method: "POST", headers: { origin } });
        expect(bodyless.status, origin).toBe(403);
      }
      expect(await t.store.agents.count()).toBe(before);
    });

    it("serves its own origin (the web app at /)", async () => {
      const response = await send(t, "/v1/blocks/", {
        method: "POST",
        headers: {
          host: "127.0.0.1:8283",
          origin: "http://127.0.0.1:8283",
          "content-type": "application/json",
        },
        body: JSON.stringify({ label: "same-origin", value: "ok" }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("answers reads without CORS headers, so a page cannot read them", async () => {
      const response = await send(t, "/v1/agents/", { headers: { origin: "http://evil.com" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("refuses preflights from origins not listed", async () => {
      const response = await send(t, "/v1/agents/", {
        method: "OPTIONS",
        headers: {
          origin: "http://evil.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(response.status).toBe(403);
      expect(response.body.detail).toBe(
        "the origin http://evil.com is not allowed; add it to REVERIE_CORS_ORIGINS",
      );
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-methods")).toBeNull();
    });
  });
});

describe("protection with REVERIE_CORS_ORIGINS and REVERIE_ALLOWED_HOSTS", () => {
  let t: TestApp;
  const listed = "http://localhost:5173";
  beforeAll(async () => {
    t = await createTestApp({
      webRoot: false,
      protection: protectionFromEnvironment({
        REVERIE_CORS_ORIGINS: ` ${listed}/ , https://app.example.com`,
        REVERIE_ALLOWED_HOSTS: "reverie.lan, 10.0.0.5:9000,[fd00::1]",
      }),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers a listed origin's preflight with the methods and headers the clients send", async () => {
    const response = await send(t, "/v1/agents/", {
      method: "OPTIONS",
      headers: {
        origin: listed,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-stainless-os, bad header",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(listed);
    const methods = response.headers.get("access-control-allow-methods") ?? "";
    for (const method of ["GET", "POST", "PATCH", "DELETE"]) expect(methods).toContain(method);
    const headers = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const header of ["authorization", "content-type", "x-stainless-os"])
      expect(headers).toContain(header);
    expect(headers).not.toContain("bad header");
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  it("lets a listed origin write and read, on successes and errors alike", async () => {
    const created = await send(t, "/v1/blocks/", {
      method: "POST",
      headers: { origin: listed, "content-type": "application/json" },
      body: JSON.stringify({ label: "cors", value: "ok" }),
    });
    expect(created.status).toBe(200);
    expect(created.headers.get("access-control-allow-origin")).toBe(listed);
    const missing = await send(t, "/v1/blocks/block-00000000-0000-4000-8000-000000000999", {
      headers: { origin: "https://app.example.com" },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    // Still JSON only: CORS opens the origin, not the content types.
    const plain = await send(t, "/v1/blocks/", {
      method: "POST",
      headers: { origin: listed, "content-type": "text/plain" },
      body: JSON.stringify({ label: "cors2", value: "no" }),
    });
    expect(plain.status).toBe(415);
  });

  it("still refuses unlisted origins and says Vary: Origin", async () => {
    const response = await send(t, "/v1/blocks/", { headers: { origin: "http://localhost:5174" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toMatch(/Origin/);
    const write = await send(t, "/v1/blocks/", {
      method: "POST",
      headers: { origin: "http://localhost:5174", "content-type": "application/json" },
      body: JSON.stringify({ label: "x", value: "y" }),
    });
    expect(write.status).toBe(403);
  });

  it("serves the operator's hosts, with their port when one is given", async () => {
    const env = socketAt(8283);
    for (const host of ["reverie.lan", "REVERIE.LAN:8283", "10.0.0.5:9000", "[fd00::1]:1"]) {
      expect((await send(t, "/v1/health/", { headers: { host } }, env)).status, host).toBe(200);
    }
    for (const host of ["10.0.0.5:9001", "10.0.0.5", "sub.reverie.lan", "reverie.lan.evil.com"]) {
      expect((await send(t, "/v1/health/", { headers: { host } }, env)).status, host).toBe(403);
    }
  });

  it("rejects malformed settings, naming the entry", () => {
    expect(() => parseAllowedHosts("ok.lan,http://bad.lan")).toThrow(/'http:\/\/bad.lan' is not a host/);
    expect(() => parseAllowedHosts("user@bad.lan")).toThrow(/REVERIE_ALLOWED_HOSTS/);
    expect(() => parseCorsOrigins("https://app.example.com/path")).toThrow(
      /'https:\/\/app.example.com\/path'/,
    );
    expect(() => parseCorsOrigins("*")).toThrow(/REVERIE_CORS_ORIGINS/);
    expect(() => parseCorsOrigins("ftp://files.example.com")).toThrow(/not an origin/);
    expect(parseCorsOrigins("HTTPS://App.Example.com:443")).toEqual(["https://app.example.com"]);
    expect(parseAllowedHosts(" , ")).toEqual([]);
  });

  it("serves the bound host itself, not a wildcard", async () => {
    const bound = await createTestApp({ webRoot: false, protection: { boundHost: "reverie.internal" } });
    const wildcard = await createTestApp({ webRoot: false, protection: { boundHost: "0.0.0.0" } });
    try {
      const env = socketAt(8283, "10.1.1.1");
      expect(
        (await send(bound, "/v1/health/", { headers: { host: "reverie.internal:8283" } }, env)).status,
      ).toBe(200);
      expect(
        (await send(bound, "/v1/health/", { headers: { host: "reverie.internal:1" } }, env)).status,
      ).toBe(403);
      expect((await send(wildcard, "/v1/health/", { headers: { host: "0.0.0.0:8283" } }, env)).status).toBe(
        403,
      );
      expect((await send(wildcard, "/v1/health/", { headers: { host: "10.1.1.1:8283" } }, env)).status).toBe(
        200,
      );
    } finally {
      await bound.close();
      await wildcard.close();
    }
  });
});

/** A raw HTTP/1.1 exchange, so the Host header and request line are exactly what a test says. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: "127.0.0.1", port, path: "/v1/health/", headers: { host } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describe("protection on a real socket", () => {
  let t: TestApp;
  let server: RunningServer;
  beforeAll(async () => {
    t = await createTestApp({ webRoot: false });
    server = await startServer({ app: t.app, port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });

  it("serves its loopback names on the port it listens on (picked with port 0), and no other", async () => {
    expect(await get(server.port, `127.0.0.1:${server.port}`)).toBe(200);
    expect(await get(server.port, `localhost:${server.port}`)).toBe(200);
    expect(await get(server.port, `[::1]:${server.port}`)).toBe(200);
    expect(await get(server.port, `localhost:${server.port + 1}`)).toBe(403);
    // DNS rebinding: evil.test resolved to 127.0.0.1, so the browser sends its own name.
    expect(await get(server.port, `evil.test:${server.port}`)).toBe(403);
  });

  it("checks an absolute-form request line as well as the Host header", async () => {
    const answer = await rawRequest(server.port, [
      `GET http://evil.test:${server.port}/v1/agents/ HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      "Connection: close",
    ]);
    expect(answer).toMatch(/^HTTP\/1.1 403/);
    expect(answer).toContain(HOST_REFUSED);
  });

  it("refuses a text/plain POST with a body and keeps a bodyless one", async () => {
    const plain = await rawRequest(server.port, [
      "POST /v1/blocks/ HTTP/1.1",
      `Host: 127.0.0.1:${server.port}`,
      "Content-Type: text/plain",
      "Content-Length: 29",
      "Connection: close",
      "",
      '{"label":"raw","value":"no"}',
    ]);
    expect(plain).toMatch(/^HTTP\/1.1 415/);
    const noType = await rawRequest(server.port, [
      "POST /v1/blocks/ HTTP/1.1",
      `Host: 127.0.0.1:${server.port}`,
      "Content-Length: 29",
      "Connection: close",
      "",
      '{"label":"raw","value":"no"}',
    ]);
    expect(noType).toMatch(/^HTTP\/1.1 415/);
    expect(await t.store.blocks.list({})).toEqual([]);
  });
});
