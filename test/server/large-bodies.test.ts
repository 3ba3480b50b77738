import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/domain/index.js";
import { type CpuPool, createCpuPool } from "../../src/runtime/workers/cpu-pool.js";
import { PARSE_IN_WORKER_FROM } from "../../src/server/validation.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

// Bodies from PARSE_IN_WORKER_FROM on are parsed in a worker thread: the answers must be exactly those
// of a body parsed in place (the same value, the same 4xx for bad JSON and deep nesting).
describeOnEachStore("large request bodies", (storeKind) => {
  let t: TestApp;
  let pool: CpuPool;
  const parsedInPool: number[] = [];
  beforeAll(async () => {
    const real = createCpuPool({ threads: 1 });
    pool = {
      run(task, input, options) {
        if (task === "parseJsonBody") parsedInPool.push(options.size);
        return real.run(task, input, options);
      },
      close: () => real.close(),
    };
    t = await createTestApp({ store: storeKind, cpu: pool });
  });
  afterAll(async () => {
    await t.close();
    await pool.close();
  });

  const big = PARSE_IN_WORKER_FROM + 1000;

  it("stores a value from a body past the threshold exactly, NUL removed, metadata as parsed in place", async () => {
    // Quotes, backslashes, brackets and non-ASCII inside the string; a NUL spelled as an escape.
    const value = `${'é["{\\ '.repeat(big / 8)}tail\u0000end`;
    const body = JSON.stringify({ label: "big", value, limit: value.length + 10, metadata: {} }).replace(
      '"metadata":{}',
      '"metadata":{"__proto__":{"polluted":true}}',
    );
    expect(body.length).toBeGreaterThan(PARSE_IN_WORKER_FROM);
    parsedInPool.length = 0;
    const created = await t.call("POST", "/v1/blocks/", body);
    expect(created.status).toBe(200);
    expect(parsedInPool).toEqual([Buffer.byteLength(body)]);
    expect(created.body.value).toBe(value.replace("\u0000", ""));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The metadata comes out as it does from a small body parsed in place.
    const small = await t.call(
      "POST",
      "/v1/blocks/",
      body.replace(/"value":"[\s\S]*","limit"/, '"value":"v","limit"'),
    );
    expect(small.status).toBe(200);
    expect(parsedInPool[1]).toBeLessThan(PARSE_IN_WORKER_FROM);
    expect(created.body.metadata).toEqual(small.body.metadata);
    const read = await t.call("GET", `/v1/blocks/${created.body.id}`);
    expect(read.body.value).toBe(value.replace("\u0000", ""));
  });

  it("answers malformed JSON past the threshold with a 400 and deep nesting with a 422", async () => {
    const padding = "x".repeat(big);
    const malformed = await t.call("POST", "/v1/blocks/", `{"label": "bad", "value": "${padding}", }`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/^Invalid JSON body: /);
    const deep = `{"label": "deep", "value": "${padding}", "metadata": ${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`;
    const refused = await t.call("POST", "/v1/blocks/", deep);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain(`${MAX_JSON_DEPTH} levels`);
    const blocks = await t.call("GET", "/v1/blocks/?label=deep");
    expect(blocks.body).toEqual([]);
  });

  it("parses small bodies in place", async () => {
    parsedInPool.length = 0;
    const small = await t.call("POST", "/v1/blocks/", { label: "small", value: "v" });
    expect(small.status).toBe(200);
    expect(parsedInPool).toHaveLength(1);
    expect(parsedInPool[0]).toBeLessThan(PARSE_IN_WORKER_FROM);
  });
});
