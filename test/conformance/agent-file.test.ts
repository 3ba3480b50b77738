import { readFileSync } from "node:fs";
import { BadRequestError, UnprocessableEntityError } from "@letta-ai/letta-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Conformance, createAgent, startConformance, walk } from "./harness.js";

const reference = (name: string) =>
  readFileSync(new URL(`../fixtures/agent-files/${name}`, import.meta.url), "utf8");

// Agent Files through the official client: `agents.exportFile` and `agents.importFile` as it sends them.
describe("conformance: agent file export and import", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("exports an agent and imports the file back with the client's options", async () => {
    const agent = await createAgent(ctx.client, { tags: ["af"] });
    ctx.openai.script.push({ text: "Hello from the original." });
    await ctx.client.agents.messages.create(agent.id, { input: "Hi!" });

    // Typed as a string by the client; the body is the JSON document, parsed.
    const exported = (await ctx.client.agents.exportFile(agent.id)) as unknown as {
      agents: Array<{ name: string; messages: unknown[] }>;
      blocks: Array<{ label: string }>;
    };
    expect(exported.agents[0]?.name).toBe(agent.name);
    expect(exported.blocks.map((block) => block.label).sort()).toEqual(["human", "persona"]);
    expect(exported.agents[0]?.messages.length).toBeGreaterThanOrEqual(3);

    const imported = await ctx.client.agents.importFile({
      file: new File([JSON.stringify(exported)], "agent.af", { type: "application/json" }),
      name: "imported-copy",
      strip_messages: true,
      override_existing_tools: false,
      secrets: JSON.stringify({ SOME_KEY: "value" }),
      "x-override-embedding-model": undefined,
    });
    expect(imported.agent_ids).toHaveLength(1);
    const copy = await ctx.client.agents.retrieve(imported.agent_ids[0] as string);
    expect(copy.name).toBe("imported-copy");
    expect(copy.tags).toEqual(["af"]);
    expect(copy.blocks.map((block) => block.label).sort()).toEqual(["human", "persona"]);

    ctx.openai.script.push({ text: "Hello from the copy." });
    const reply = await ctx.client.agents.messages.create(copy.id, { input: "Hi again" });
    expect(reply.messages.at(-1)).toMatchObject({
      message_type: "assistant_message",
      content: "Hello from the copy.",
    });
  });

  it("imports Letta's own double-encoded export", async () => {
    const imported = await ctx.client.agents.importFile({
      file: new File([reference("memgpt_agent.af")], "memgpt_agent.af"),
    });
    const agent = await ctx.client.agents.retrieve(imported.agent_ids[0] as string);
    expect(agent.name).toBe("memgpt_agent");
    expect(agent.blocks.find((block) => block.label === "human")?.value).toContain("First name: Chad");
  });

  it("answers a truncated file with a client error and imports nothing", async () => {
    const before = (await walk(ctx.client.agents.list())).length;
    const text = reference("deep_research_agent.af");
    const error = await ctx.client.agents
      .importFile({ file: new File([text.slice(0, 1000)], "broken.af") })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    const dangling = JSON.parse(text);
    dangling.agents[0].tool_ids.push("tool-42");
    const refused = await ctx.client.agents
      .importFile({ file: new File([JSON.stringify(dangling)], "dangling.af") })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(UnprocessableEntityError);
    expect(String((refused as Error).message)).toContain("agents[0].tool_ids[5]");
    expect((await walk(ctx.client.agents.list())).length).toBe(before);
  });
});
