import { afterEach, beforeEach, expect, it } from "vitest";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

describeOnEachStore("groups and sleep-time routes", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ store: kind });
  });
  afterEach(async () => {
    await t.close();
  });

  const createAgent = async (name: string, enable = true) => {
    const created = await t.call("POST", "/v1/agents/", {
      name,
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "" }],
      enable_sleeptime: enable,
    });
    expect(created.status).toBe(200);
    return created.body as JsonBody;
  };

  it("are documented in /openapi.json", async () => {
    const paths = Object.keys((await t.call("GET", "/openapi.json")).body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/v1/groups/",
        "/v1/groups/count",
        "/v1/groups/{group_id}",
        "/v1/agents/{agent_id}/groups",
        "/v1/agents/{agent_id}/sleeptime/run",
        "/v1/agents/{agent_id}/sleeptime/changes",
      ]),
    );
  });

  it("pages groups by creation and filters them by manager type", async () => {
    const agents = [await createAgent("a"), await createAgent("b"), await createAgent("c")];
    await createAgent("plain", false);
    const groupIds = agents.map((agent) => agent.multi_agent_group.id);
    const first = await t.call("GET", "/v1/groups/?limit=2");
    expect(first.body.map((group: JsonBody) => group.id)).toEqual(groupIds.slice(0, 2));
    const next = await t.call("GET", `/v1/groups/?limit=2&after=${groupIds[1]}`);
    expect(next.body.map((group: JsonBody) => group.id)).toEqual(groupIds.slice(2));
    const newest = await t.call("GET", "/v1/groups/?order=desc&limit=1&manager_type=sleeptime");
    expect(newest.body.map((group: JsonBody) => group.id)).toEqual([groupIds[2]]);
    expect((await t.call("GET", "/v1/groups/count?manager_type=sleeptime")).body).toBe(3);
    expect((await t.call("GET", "/v1/groups/count?manager_type=supervisor")).body).toBe(0);
    expect((await t.call("GET", "/v1/groups/?manager_type=nonsense")).status).toBe(422);
    expect(
      (await t.call("GET", `/v1/agents/${agents[0].id}/groups?manager_type=sleeptime`)).body,
    ).toHaveLength(1);
    expect((await t.call("GET", "/v1/agents/agent-00000000-0000-4000-8000-00000000ffff/groups")).status).toBe(
      404,
    );
  });

  it("deleting a sleep-time group turns sleep-time off for its primary", async () => {
    const agent = await createAgent("primary");
    const group = agent.multi_agent_group;
    const deleted = await t.call("DELETE", `/v1/groups/${group.id}`);
    expect(deleted.status).toBe(200);
    const after = (await t.call("GET", `/v1/agents/${agent.id}`)).body;
    expect(after).toMatchObject({ enable_sleeptime: false, multi_agent_group: null });
    expect((await t.call("GET", `/v1/agents/${group.agent_ids[0]}`)).status).toBe(404);
    expect((await t.call("DELETE", `/v1/groups/${group.id}`)).status).toBe(404);

    // Deleting the sleep-time agent itself ends the pairing too.
    const other = await createAgent("other");
    expect((await t.call("DELETE", `/v1/agents/${other.multi_agent_group.agent_ids[0]}`)).status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${other.id}`)).body).toMatchObject({
      enable_sleeptime: false,
      multi_agent_group: null,
    });
  });

  it("reports no changes before any consolidation, and 404 for a run that is not the agent's", async () => {
    const agent = await createAgent("primary");
    const changes = await t.call("GET", `/v1/agents/${agent.id}/sleeptime/changes`);
    expect(changes.status).toBe(200);
    expect(changes.body).toEqual({
      agent_id: agent.id,
      sleeptime_agent_id: agent.multi_agent_group.agent_ids[0],
      run: null,
      changes: [],
    });
    const unknown = await t.call("GET", `/v1/agents/${agent.id}/sleeptime/changes?run_id=run-nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBeTruthy();
    const plain = await createAgent("plain", false);
    expect((await t.call("GET", `/v1/agents/${plain.id}/sleeptime/changes`)).status).toBe(400);

    // The job of an agent is one at a time: asking twice returns the queued one.
    const first = await t.call("POST", `/v1/agents/${agent.id}/sleeptime/run`);
    const second = await t.call("POST", `/v1/agents/${agent.id}/sleeptime/run`);
    expect(second.body.id).toBe(first.body.id);
  });
});
