import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-app.js";

describe("agent lists: paging, filters, tags", () => {
  let t: TestApp;
  let ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const specs = [
      { name: "alpha", tags: ["team:red", "prod"] },
      { name: "beta", tags: ["team:blue", "prod"] },
      { name: "gamma", tags: ["team:red"] },
      { name: "delta-alpha", tags: [] },
      { name: "epsilon", tags: ["team:blue", "prod", "x"] },
    ];
    ids = [];
    for (const spec of specs) {
      const created = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", ...spec });
      expect(created.status).toBe(200);
      ids.push(created.body.id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const list = async (query: string) => {
    const response = await t.call("GET", `/v1/agents/${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (response.body as Array<{ id: string; name: string }>).map((agent) => agent.name);
  };

  it("lists newest first by default and pages with after/before/limit/order", async () => {
    expect(await list("")).toEqual(["epsilon", "delta-alpha", "gamma", "beta", "alpha"]);
    expect(await list("?order=asc")).toEqual(["alpha", "beta", "gamma", "delta-alpha", "epsilon"]);
    expect(await list("?limit=2")).toEqual(["epsilon", "delta-alpha"]);
    // `after` is the next item in the current order.
    expect(await list(`?limit=2&after=${ids[3]}`)).toEqual(["gamma", "beta"]);
    expect(await list(`?order=asc&limit=2&after=${ids[1]}`)).toEqual(["gamma", "delta-alpha"]);
    expect(await list(`?order=asc&before=${ids[2]}`)).toEqual(["alpha", "beta"]);
    expect(await list(`?after=${ids[0]}`)).toEqual([]);
  });

  it("walks every agent exactly once the way the SDK does", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await t.call("GET", `/v1/agents?limit=2${after ? `&after=${after}` : ""}`);
      const items = response.body as Array<{ id: string }>;
      if (items.length === 0) break;
      seen.push(...items.map((item) => item.id));
      after = items.at(-1)?.id;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by name, substring, tags (any or all, repeated or bracketed keys)", async () => {
    expect(await list("?name=beta")).toEqual(["beta"]);
    expect(await list("?query_text=ALPHA&order=asc")).toEqual(["alpha", "delta-alpha"]);
    expect(await list("?tags=team:red&order=asc")).toEqual(["alpha", "gamma"]);
    expect(await list("?tags=team:red&tags=x&order=asc")).toEqual(["alpha", "gamma", "epsilon"]);
    expect(await list("?tags[]=team:blue&tags[]=prod&match_all_tags=true&order=asc")).toEqual([
      "beta",
      "epsilon",
    ]);
    expect((await t.call("GET", "/v1/agents/count?tags=prod")).body).toBe(3);
    expect((await t.call("GET", "/v1/agents/count")).body).toBe(5);
  });

  it("rejects malformed paging parameters with a 422 naming them", async () => {
    const badLimit = await t.call("GET", "/v1/agents/?limit=abc");
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.detail).toMatch(/^Invalid query: limit: /);
    const badOrder = await t.call("GET", "/v1/agents/?order=sideways");
    expect(badOrder.status).toBe(422);
    expect(badOrder.body.detail).toMatch(/order/);
    const badBool = await t.call("GET", "/v1/agents/?match_all_tags=perhaps");
    expect(badBool.status).toBe(422);
    expect(badBool.body.errors[0].loc).toEqual(["query", "match_all_tags"]);
  });

  it("lists distinct tags alphabetically with paging and a name filter", async () => {
    expect((await t.call("GET", "/v1/tags/")).body).toEqual(["prod", "team:blue", "team:red", "x"]);
    expect((await t.call("GET", "/v1/tags?limit=2")).body).toEqual(["prod", "team:blue"]);
    expect((await t.call("GET", "/v1/tags?after=team:blue")).body).toEqual(["team:red", "x"]);
    expect((await t.call("GET", "/v1/tags?order=desc&limit=1")).body).toEqual(["x"]);
    expect((await t.call("GET", "/v1/tags?name=TEAM")).body).toEqual(["team:blue", "team:red"]);
  });
});
