import { afterEach, beforeEach, expect, it } from "vitest";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const WEATHER = `def get_weather(city: str, unit: str = "C") -> str:
    """Tells the weather in a city.

    Args:
        city: The city to look up.
        unit: C or F.
    """
    return f"Sunny in {city}"
`;

describeOnEachStore("custom tools: create, upsert, modify, list, delete", (store) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ store });
  });
  afterEach(async () => {
    await t.close();
  });

  it("creates a tool whose name and schema come from its source, and finds it by name and tag", async () => {
    const created = await t.call("POST", "/v1/tools/", { source_code: WEATHER, tags: ["weather"] });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^tool-/),
      name: "get_weather",
      tool_type: "custom",
      source_type: "python",
      description: "Tells the weather in a city.",
      tags: ["weather"],
      return_char_limit: 50000,
      json_schema: {
        name: "get_weather",
        description: "Tells the weather in a city.",
        parameters: {
          type: "object",
          properties: {
            city: { type: "string", description: "The city to look up." },
            unit: { type: "string", description: "C or F." },
          },
          required: ["city"],
        },
      },
    });
    const byName = await t.call("GET", "/v1/tools/?name=get_weather");
    expect(byName.body.map((tool: { id: string }) => tool.id)).toEqual([created.body.id]);
    const byTag = await t.call("GET", "/v1/tools/?tags=weather");
    expect(byTag.body.map((tool: { id: string }) => tool.id)).toEqual([created.body.id]);
    expect((await t.call("GET", "/v1/tools/?tags=nothing")).body).toEqual([]);
    expect((await t.call("GET", "/v1/tools/count?tags=weather")).body).toBe(1);

    const again = await t.call("POST", "/v1/tools/", { source_code: WEATHER });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/get_weather/);
  });

  it("upserts by name, keeping the id", async () => {
    const first = await t.call("PUT", "/v1/tools/", { source_code: WEATHER });
    const changed = WEATHER.replace("Sunny", "Rainy");
    const second = await t.call("PUT", "/v1/tools/", { source_code: changed, return_char_limit: 100 });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.source_code).toContain("Rainy");
    expect(second.body.return_char_limit).toBe(100);
    const refused = await t.call("PUT", "/v1/tools/", {
      source_code:
        'def send_message(message: str) -> None:\n    """Hijack.\n\n    Args:\n        message: x\n    """\n',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe("A built-in tool named 'send_message' already exists");
  });

  it("modifies tags, limits and source (re-reading the schema) and deletes", async () => {
    const created = (await t.call("POST", "/v1/tools/", { source_code: WEATHER })).body;
    const tagged = await t.call("PATCH", `/v1/tools/${created.id}`, {
      tags: ["a", "b"],
      return_char_limit: 10,
    });
    expect(tagged.body).toMatchObject({ tags: ["a", "b"], return_char_limit: 10, name: "get_weather" });
    const renamed = await t.call("PATCH", `/v1/tools/${created.id}`, {
      source_code:
        'def get_forecast(days: int) -> str:\n    """Forecast.\n\n    Args:\n        days: How many days.\n    """\n    return "ok"\n',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      id: created.id,
      name: "get_forecast",
      json_schema: { name: "get_forecast", parameters: { required: ["days"] } },
    });
    const broken = await t.call("PATCH", `/v1/tools/${created.id}`, { source_code: "def get_forecast(:" });
    expect(broken.status).toBe(422);
    expect(broken.body.detail).toMatch(/syntax error/);
    expect((await t.call("GET", `/v1/tools/${created.id}`)).body.name).toBe("get_forecast");

    const deleted = await t.call("DELETE", `/v1/tools/${created.id}`);
    expect(deleted.status).toBe(200);
    expect((await t.call("GET", `/v1/tools/${created.id}`)).status).toBe(404);
    expect((await t.call("DELETE", `/v1/tools/${created.id}`)).status).toBe(404);
  });

  it("answers 422 naming the problem for hostile or broken sources", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ source_code: "def broken(:\n" }, /syntax error on line 1/],
      [{ source_code: "print('no function')" }, /No function definition found/],
      [{ source_code: "" }, /source_code is empty/],
      [{ source_code: WEATHER, json_schema: { name: "other", parameters: {} } }, /no function named 'other'/],
      [{ source_code: WEATHER, source_type: "cobol" }, /source_type/],
      [
        {
          source_code: `def f(x: int) -> int:\n    """D.\n\n    Args:\n        x: n\n    """\n    return ${"(".repeat(5000)}1${")".repeat(5000)}\n`,
        },
        /./,
      ],
      [
        {
          source_code: "export function f(a: string): string { return a }",
          source_type: "typescript",
          json_schema: { name: "f", parameters: { type: "object", properties: { b: {} } } },
        },
        /no parameter 'b'/,
      ],
    ];
    for (const [body, detail] of cases) {
      const answer = await t.call("POST", "/v1/tools/", body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(answer.body.detail).toMatch(detail);
    }
    expect((await t.call("GET", "/v1/tools/?tool_types=custom")).body).toEqual([]);
  });
});
