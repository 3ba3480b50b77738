import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-app.js";

// One structured line per request: what an operator greps for when something goes wrong.
describe("request log", () => {
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const created = await t.call("POST", "/v1/agents/", { name: "logged", model: "openai/gpt-4o-mini" });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const requestLines = () => t.logLines.filter((line) => line.message === "request");
  const lastRequest = () => requestLines().at(-1);

  it("logs method, route pattern, status, ms, trace id and agent id, and returns the trace id", async () => {
    const response = await t.call("GET", `/v1/agents/${agentId}/messages`);
    expect(response.status).toBe(200);
    const line = lastRequest();
    expect(line?.level).toBe("info");
    expect(line?.fields).toMatchObject({
      method: "GET",
      route: "/v1/agents/{agent_id}/messages",
      status: 200,
      agent_id: agentId,
    });
    expect(typeof line?.fields.ms).toBe("number");
    expect(line?.fields.ms).toBeGreaterThanOrEqual(0);
    // The raw path (with its id) is not the route: lines group by operation.
    expect(String(line?.fields.route)).not.toContain(agentId);
    expect(line?.fields.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get("x-request-id")).toBe(line?.fields.trace_id);
  });

  it("gives each request its own trace id", async () => {
    const first = await t.call("GET", "/v1/agents/");
    const second = await t.call("GET", "/v1/agents/");
    expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));
    expect(lastRequest()?.fields).not.toHaveProperty("agent_id");
  });

  it("continues the caller's W3C trace, or takes its x-request-id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traced = await t.call("GET", "/v1/agents/", undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      "x-request-id": "ignored-when-traceparent-is-valid",
    });
    expect(traced.headers.get("x-request-id")).toBe(traceId);
    expect(lastRequest()?.fields.trace_id).toBe(traceId);

    const named = await t.call("GET", "/v1/agents/", undefined, { "x-request-id": "req-42.a:b_c" });
    expect(named.headers.get("x-request-id")).toBe("req-42.a:b_c");
    expect(lastRequest()?.fields.trace_id).toBe("req-42.a:b_c");
  });

  it("ignores malformed trace headers instead of echoing them", async () => {
    const hostile: Record<string, string>[] = [
      { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` },
      { traceparent: "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      { traceparent: "00-not-hex-at-all-01" },
      { "x-request-id": "a".repeat(129) },
      { "x-request-id": "<script>alert(1)</script>" },
      { "x-request-id": "id with spaces" },
      { "x-request-id": "café" },
    ];
    for (const headers of hostile) {
      const response = await t.call("GET", "/v1/agents/", undefined, headers);
      expect(response.status).toBe(200);
      const echoed = response.headers.get("x-request-id");
      expect(echoed).toMatch(/^[0-9a-f]{32}$/);
      expect(echoed).not.toBe("0".repeat(32));
      expect(lastRequest()?.fields.trace_id).toBe(echoed);
    }
  });

  it("logs refused and unknown requests too, with no route for an unmatched path", async () => {
    const missing = await t.call("GET", "/v1/agents/agent-00000000-0000-4000-8000-00000000ffff");
    expect(missing.status).toBe(404);
    expect(lastRequest()?.fields).toMatchObject({
      route: "/v1/agents/{agent_id}",
      status: 404,
      agent_id: "agent-00000000-0000-4000-8000-00000000ffff",
    });

    const unknown = await t.call("GET", "/v1/no-such-thing");
    expect(unknown.status).toBe(404);
    expect(lastRequest()?.fields).toMatchObject({ route: null, status: 404, method: "GET" });

    const invalid = await t.call("POST", "/v1/agents/", { name: { nested: "BODY-CANARY" } });
    expect(invalid.status).toBe(422);
    expect(lastRequest()?.fields).toMatchObject({ route: "/v1/agents", status: 422 });
    // Neither the body nor the validation message is logged.
    expect(JSON.stringify(t.logLines)).not.toContain("BODY-CANARY");
  });

  it("logs health checks at debug level only", async () => {
    const before = requestLines().length;
    expect((await t.call("GET", "/v1/health/")).status).toBe(200);
    const line = requestLines()[before];
    expect(line).toMatchObject({ level: "debug", fields: { route: "/v1/health", status: 200 } });
  });
});
