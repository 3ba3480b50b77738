import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/serve.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("startServer", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("serves the app on a free port and closes promptly despite keep-alive connections", async () => {
    const server = await startServer({ app: t.app, port: 0 });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/v1/health`);
    expect(await response.json()).toMatchObject({ status: "ok" });

    // Hold a keep-alive connection open: close() must still return.
    const agent = new (await import("node:http")).Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${server.url}/v1/agents/`, { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      })
        .on("error", reject)
        .end();
    });
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    agent.destroy();
    await expect(fetch(`${server.url}/v1/health`)).rejects.toThrow();
  });
});
