import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { addressPolicyFromSetting } from "../../src/runtime/tools/web/address-policy.js";
import { appRoutes } from "../../src/server/app.js";
import type { AnyRoute } from "../../src/server/route.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../../src/store/tenancy.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { uploadForm } from "./folders-fixtures.js";
import { createTestApp, type TestApp } from "./test-app.js";

// The tenant-isolation suite, generated from the route table (`appRoutes`): organization A makes one of
// every kind of object; organization B's key then calls EVERY route that takes an id with A's ids and
// must get 404 (403 on the admin routes) while A's objects stay exactly as they were, and B's lists and
// searches show none of A's ids. A route added later is covered without a new test: if it has a path
// parameter this suite cannot fill, or its body cannot be sampled, the suite fails and says so.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = any;

/** Routes served outside the route table (SSE and message sends), checked the same way. */
const EXTRA_ROUTES: Array<{ method: string; path: string; body?: unknown }> = [
  {
    method: "post",
    path: "/v1/agents/{agent_id}/messages/stream",
    body: { messages: [{ role: "user", content: "hi" }] },
  },
  {
    method: "post",
    path: "/v1/conversations/{conversation_id}/messages",
    body: { messages: [{ role: "user", content: "hi" }] },
  },
  { method: "post", path: "/v1/conversations/{conversation_id}/stream", body: {} },
  { method: "post", path: "/v1/runs/{run_id}/stream", body: {} },
];

/** Bodies the sampler cannot derive (a valid body is needed to get past validation to the lookup). */
const BODY_OVERRIDES: Record<string, unknown> = {
  send_message: { messages: [{ role: "user", content: "hi" }] },
  create_agent_message_async: { messages: [{ role: "user", content: "hi" }] },
  modify_tool_approval: { requires_approval: true },
  restore_block: { revision_id: "revision-00000000-0000-4000-8000-000000000001" },
};

/** GET routes whose answer changes between two identical calls for reasons other than tenancy. */
const VOLATILE_GETS = new Set<string>([
  "export_agent", // the Agent File carries the time of the export
  // These reach A's MCP server (nothing listens in this test): the error shows the reconnect backoff.
  "mcp_connect_mcp_server",
  "list_mcp_tools_by_server",
  "mcp_list_tools_for_mcp_server",
  "mcp_retrieve_mcp_tool",
]);

/** A minimal value matching a JSON schema (input side): required fields only. */
function sample(schema: Json, defs: Record<string, Json>): unknown {
  if (schema === undefined || schema === true) return {};
  if (schema.$ref) return sample(defs[String(schema.$ref).split("/").pop() as string], defs);
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  for (const key of ["anyOf", "oneOf"]) {
    if (schema[key])
      return sample(schema[key].find((option: Json) => option.type !== "null") ?? schema[key][0], defs);
  }
  if (schema.allOf) return sample(schema.allOf[0], defs);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const value: Record<string, unknown> = {};
      for (const name of schema.required ?? []) value[name] = sample(schema.properties?.[name], defs);
      return value;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items, defs));
    case "string":
      return schema.format === "date-time"
        ? "2030-01-01T00:00:00Z"
        : "x".repeat(Math.max(1, schema.minLength ?? 1));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return {};
  }
}

function sampleBody(route: AnyRoute): unknown {
  if (route.operationId in BODY_OVERRIDES) return BODY_OVERRIDES[route.operationId];
  if (!route.body) return undefined;
  const schema = z.toJSONSchema(route.body, { io: "input", unrepresentable: "any" }) as Json;
  return sample(schema, schema.$defs ?? {});
}

/** The paths whose answer differs, each with the first difference in context (short enough to read). */
function changesBetween(before: Record<string, string>, after: Record<string, string>): string[] {
  const changes: string[] = [];
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [old = "", now = ""] = [before[path], after[path]];
    if (old === now) continue;
    let at = 0;
    while (at < old.length && old[at] === now[at]) at++;
    changes.push(
      `${path}: …${old.slice(Math.max(0, at - 60), at + 60)}… became …${now.slice(Math.max(0, at - 60), at + 60)}…`,
    );
  }
  return changes;
}

/** The route's required query parameters, sampled, as `?a=b` (empty when none are required). */
function sampleQuery(route: AnyRoute | undefined): string {
  if (!route?.query) return "";
  const schema = z.toJSONSchema(route.query, { io: "input", unrepresentable: "any" }) as Json;
  const values = sample(schema, schema.$defs ?? {}) as Record<string, unknown>;
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) search.set(name, String(value));
  return search.size === 0 ? "" : `?${search}`;
}

describeOnEachStore("tenant isolation, generated from the route table", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let keyA: string;
  let keyB: string;
  /** A's ids by path parameter name. */
  const params: Record<string, string> = {};
  /** Every id of A's objects (B's lists and searches must contain none). */
  const idsOfA = new Set<string>();
  let routes: AnyRoute[];

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const callA = async (method: string, path: string, body?: unknown) => {
    const response = await t.call(method, path, body, as(keyA));
    expect(response.status, `A: ${method} ${path}: ${JSON.stringify(response.body).slice(0, 300)}`).toBe(200);
    return response.body as Json;
  };
  const fill = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined)
        throw new Error(
          `the isolation suite cannot fill {${name}} of ${path}: add one of A's objects for it`,
        );
      return encodeURIComponent(value);
    });

  /** What A sees through every GET route, by path: compared before and after B's calls. */
  async function snapshotOfA(): Promise<Record<string, string>> {
    const snapshot: Record<string, string> = {};
    for (const route of routes) {
      if (
        route.method !== "get" ||
        VOLATILE_GETS.has(route.operationId) ||
        route.path.startsWith("/v1/admin/")
      )
        continue;
      const path = fill(route.path) + sampleQuery(route);
      const response = await t.call("GET", path, undefined, as(keyA));
      snapshot[path] = `${response.status} ${JSON.stringify(response.body)}`;
    }
    return snapshot;
  }

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    t = await createTestApp({
      store: storeKind,
      auth: {},
      webRoot: false,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      // A's provider points at the fake on 127.0.0.1, which the address guard allows only when told.
      providerNetwork: { policy: addressPolicyFromSetting("127.0.0.1") },
    });
    const keys = t.keys!;
    const orgB = await keys.createOrganization("tenant b");
    keyA = (await keys.create({ name: "a" })).key;
    keyB = (await keys.create({ name: "b", organization_id: orgB.id })).key;
    routes = appRoutes({
      services: t.services,
      registry: t.registry,
      version: { letta: "0", reverie: "0" },
      auth: keys,
    });

    // Organization A: one of every kind of object.
    const agent = await callA("POST", "/v1/agents/", {
      name: "a-agent",
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "A's human" }],
      enable_sleeptime: true,
    });
    const block = await callA("POST", "/v1/blocks/", { label: "notes", value: "A's notes" });
    await callA("PATCH", `/v1/agents/${agent.id}/core-memory/blocks/attach/${block.id}`);
    await callA("PATCH", `/v1/blocks/${block.id}`, { value: "A's notes, edited" });
    const revision = (await callA("GET", `/v1/blocks/${block.id}/history`))[0];
    const archive = await callA("POST", "/v1/archives/", { name: "a-archive" });
    const passage = await callA("POST", `/v1/archives/${archive.id}/passages`, {
      text: "A's archival fact about otters",
    });
    await callA("PATCH", `/v1/agents/${agent.id}/archives/attach/${archive.id}`);
    const memory = (
      await callA("POST", `/v1/agents/${agent.id}/archival-memory`, { text: "A remembers lighthouses" })
    )[0];
    const folder = await callA("POST", "/v1/folders/", { name: "a-folder" });
    const uploaded = await t.app.request(`/v1/folders/${folder.id}/upload`, {
      method: "POST",
      body: uploadForm("a-notes.txt", "otters hold hands", "text/plain"),
      headers: as(keyA),
    });
    expect(uploaded.status).toBe(200);
    const file = (await uploaded.json()) as Json;
    await callA("PATCH", `/v1/agents/${agent.id}/folders/attach/${folder.id}`);
    const tool = await callA("POST", "/v1/tools/", {
      source_code:
        'def a_tool(x: str) -> str:\n    """Echo.\n\n    Args:\n        x: text\n    """\n    return x\n',
    });
    await callA("PATCH", `/v1/agents/${agent.id}/tools/attach/${tool.id}`);
    const conversation = await callA("POST", `/v1/conversations/?agent_id=${agent.id}`, {});
    const turn = await callA("POST", `/v1/agents/${agent.id}/messages`, {
      messages: [{ role: "user", content: "hello otters" }],
    });
    const run = (await callA("GET", `/v1/runs/?agent_id=${agent.id}`))[0];
    const step = (await callA("GET", `/v1/runs/${run.id}/steps`))[0];
    const group = (await callA("GET", `/v1/agents/${agent.id}/groups`))[0];
    const mcpServer = await callA("POST", "/v1/mcp-servers/", {
      server_name: "a-mcp",
      // Nothing listens there: the routes B calls must answer 404 before any connection is tried.
      config: { mcp_server_type: "streamable_http", server_url: "http://127.0.0.1:9/mcp" },
    });
    const provider = await callA("POST", "/v1/providers/", {
      name: "a-provider",
      provider_type: "openai",
      api_key: "sk-a-provider-secret",
      base_url: openai.url,
    });
    const identity = await withOrganization(DEFAULT_ORGANIZATION_ID, () =>
      t.store.identities.create({
        id: "identity-00000000-0000-4000-8000-0000000000a1",
        identifier_key: "a-end-user",
        name: "A's end user",
        identity_type: "user",
        project_id: null,
        properties: [],
        agent_ids: [agent.id],
        block_ids: [block.id],
      }),
    );

    Object.assign(params, {
      agent_id: agent.id,
      block_id: block.id,
      block_label: "human",
      revision_id: revision.id,
      archive_id: archive.id,
      passage_id: passage.id,
      memory_id: memory.id,
      folder_id: folder.id,
      source_id: folder.id,
      folder_name: folder.name,
      source_name: folder.name,
      file_id: file.id,
      tool_id: tool.id,
      tool_name: tool.name,
      conversation_id: conversation.id,
      run_id: run.id,
      step_id: step.id,
      message_id: turn.messages[0].id,
      group_id: group.id,
      identity_id: identity.id,
      mcp_server_id: mcpServer.id,
      provider_id: provider.id,
      mcp_server_name: mcpServer.server_name,
      key_id: "apikey-00000000-0000-4000-8000-0000000000a1",
    });
    for (const [name, value] of Object.entries(params)) if (name.endsWith("_id")) idsOfA.add(value);
    idsOfA.delete(params.key_id as string);
    for (const id of [group.agent_ids, group.manager_agent_id].flat()) if (id) idsOfA.add(id);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  it("B gets 404 on every route with A's ids, and A's objects do not change", async () => {
    const before = await snapshotOfA();
    const checked: string[] = [];
    const failures: string[] = [];
    const withParams = [
      ...routes.filter((route) => /\{\w+\}/.test(route.path)).map((route) => ({ route, extra: undefined })),
      ...EXTRA_ROUTES.map((extra) => ({ route: undefined, extra })),
    ].sort(
      // Deletes last: were isolation broken, an early delete would hide what the later calls could reach.
      (a, b) =>
        Number((a.route?.method ?? a.extra?.method) === "delete") -
        Number((b.route?.method ?? b.extra?.method) === "delete"),
    );
    for (const { route, extra } of withParams) {
      const method = (route?.method ?? extra!.method).toUpperCase();
      const path = fill(route?.path ?? extra!.path) + sampleQuery(route);
      let response: { status: number; body: Json };
      if (route?.multipart) {
        const raw = await t.app.request(path, {
          method,
          body: uploadForm("b.txt", "from b", "text/plain"),
          headers: as(keyB),
        });
        response = { status: raw.status, body: await raw.text() };
      } else {
        response = await t.call(method, path, route ? sampleBody(route) : extra!.body, as(keyB));
      }
      const expected = route?.path.startsWith("/v1/admin/") ? 403 : 404;
      checked.push(`${method} ${route?.path ?? extra!.path}`);
      if (response.status !== expected) {
        failures.push(
          `${method} ${path} -> ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(checked.length).toBeGreaterThan(90);
    const after = await snapshotOfA();
    expect(changesBetween(before, after)).toEqual([]);
  }, 300_000);

  it("B's lists and searches show none of A's objects", async () => {
    const leaks: string[] = [];
    let checked = 0;
    const unparameterised = routes.filter(
      (route) =>
        !/\{\w+\}/.test(route.path) &&
        !route.path.startsWith("/v1/admin/") &&
        (route.method === "get" || /search/.test(route.operationId)),
    );
    for (const route of unparameterised) {
      const body = route.method === "get" ? undefined : { ...(sampleBody(route) as object), query: "otters" };
      const response = await t.call(route.method.toUpperCase(), route.path, body, as(keyB));
      checked++;
      const text = JSON.stringify(response.body);
      for (const id of idsOfA) if (text.includes(id)) leaks.push(`${route.operationId} shows ${id}`);
      for (const word of ["A's", "a-agent", "a-folder", "a-archive", "a_tool", "a-mcp", "a-provider"]) {
        if (text.includes(word)) leaks.push(`${route.operationId} shows '${word}'`);
      }
    }
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(15);
    // B's agent list is empty; A still sees its own.
    expect((await t.call("GET", "/v1/agents/", undefined, as(keyB))).body).toEqual([]);
    expect((await t.call("GET", "/v1/agents/", undefined, as(keyA))).body.length).toBeGreaterThan(0);
  });
});

describe("the isolation suite's body sampler", () => {
  it("builds bodies that pass a route's validation", () => {
    const schema = z.object({
      name: z.string().min(3),
      n: z.number().min(2),
      tags: z.array(z.string()).min(1),
      kind: z.enum(["a", "b"]),
      opt: z.string().optional(),
    });
    const json = z.toJSONSchema(schema, { io: "input" }) as Json;
    const value = sample(json, {});
    expect(schema.safeParse(value).success).toBe(true);
    expect(value).toEqual({ name: "xxx", n: 2, tags: ["x"], kind: "a" });
  });
});
