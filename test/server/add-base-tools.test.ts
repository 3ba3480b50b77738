import { afterEach, beforeEach, expect, it } from "vitest";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

// Letta's base tools (letta/constants.py) that Reverie implements, by tool type. Letta's voice
// sleep-time tools are not among them: Reverie has no voice agents.
const BASE_TOOLS: Record<string, string[]> = {
  letta_core: ["archival_memory_insert", "archival_memory_search", "conversation_search", "send_message"],
  letta_memory_core: [
    "core_memory_append",
    "core_memory_replace",
    "memory",
    "memory_finish_edits",
    "memory_insert",
    "memory_replace",
    "memory_rethink",
  ],
  letta_multi_agent_core: [
    "send_message_to_agent_and_wait_for_reply",
    "send_message_to_agent_async",
    "send_message_to_agents_matching_tags",
  ],
  letta_builtin: ["fetch_webpage", "run_code", "web_search"],
  letta_files_core: ["grep_files", "open_files", "semantic_search_files"],
};

// `POST /v1/tools/add-base-tools` answers the organization's base tools (Letta's `Tool` list), creating
// missing ones and keeping the ids and settings of those that exist.
describeOnEachStore("POST /v1/tools/add-base-tools", (storeKind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
  });
  afterEach(async () => {
    await t.close();
  });

  it("answers every base tool with Letta's names, types and schemas, idempotently and per organization", async () => {
    const keys = t.keys!;
    const orgB = await keys.createOrganization("tenant b");
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const keyA = as((await keys.create({ name: "a" })).key);
    const keyB = as((await keys.create({ name: "b", organization_id: orgB.id })).key);

    const first = await t.call("POST", "/v1/tools/add-base-tools", undefined, keyA);
    expect(first.status).toBe(200);
    const byType: Record<string, string[]> = {};
    for (const tool of first.body as JsonBody[]) {
      byType[tool.tool_type] = [...(byType[tool.tool_type] ?? []), tool.name];
      expect(tool.id).toMatch(/^tool-[0-9a-f-]{36}$/);
      expect(tool.json_schema.name).toBe(tool.name);
      expect(tool.json_schema.parameters.type).toBe("object");
      expect(tool.tags).toEqual(["letta", "base"]);
      expect(tool.source_code).toBeNull();
    }
    for (const names of Object.values(byType)) names.sort();
    expect(byType).toEqual(BASE_TOOLS);

    // A setting changed by the user survives a second call, and no tool is duplicated.
    const search = (first.body as JsonBody[]).find((tool) => tool.name === "web_search");
    await t.call("PATCH", `/v1/tools/${search.id}`, { return_char_limit: 1234 }, keyA);
    const second = await t.call("POST", "/v1/tools/add-base-tools", undefined, keyA);
    expect(second.body.map((tool: JsonBody) => tool.id)).toEqual(first.body.map((tool: JsonBody) => tool.id));
    expect(second.body.find((tool: JsonBody) => tool.name === "web_search").return_char_limit).toBe(1234);
    const listed = await t.call("GET", "/v1/tools/?limit=1000", undefined, keyA);
    const names = (listed.body as JsonBody[]).map((tool) => tool.name);
    expect(names.length).toBe(new Set(names).size);

    // Another organization gets its own rows.
    const other = await t.call("POST", "/v1/tools/add-base-tools", undefined, keyB);
    expect(other.body).toHaveLength(first.body.length);
    const idsA = new Set(first.body.map((tool: JsonBody) => tool.id));
    expect(other.body.some((tool: JsonBody) => idsA.has(tool.id))).toBe(false);
    expect((await t.call("GET", `/v1/tools/${search.id}`, undefined, keyB)).status).toBe(404);
  });
});
