import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ReverieError } from "../../src/domain/index.js";
import { parseAgentFile } from "../../src/runtime/agent-file/parse.js";

const reference = (name: string) =>
  readFileSync(new URL(`../fixtures/agent-files/${name}`, import.meta.url), "utf8");

function refusal(text: string): ReverieError {
  try {
    parseAgentFile(text);
  } catch (error) {
    if (error instanceof ReverieError) return error;
    throw error;
  }
  throw new Error("the file was accepted");
}

const minimal = {
  agents: [
    {
      id: "agent-0",
      name: "a",
      block_ids: ["block-0"],
      messages: [],
      in_context_message_ids: [] as string[],
    },
  ],
  blocks: [{ id: "block-0", label: "human", value: "hi" }],
};

describe("reading Agent Files", () => {
  it("reads both reference files, the double-encoded one included", () => {
    const memgpt = parseAgentFile(reference("memgpt_agent.af"));
    expect(memgpt.format).toBe("v2");
    expect(memgpt.file.agents[0]?.name).toBe("memgpt_agent");
    const research = parseAgentFile(reference("deep_research_agent.af"));
    expect(research.file.tools?.map((tool) => tool.name)).toContain("create_research_plan");
  });

  it("tolerates fields it does not know, anywhere", () => {
    const file = structuredClone(minimal) as Record<string, unknown> & typeof minimal;
    Object.assign(file, { future_section: [1, 2] });
    Object.assign(file.agents[0] as object, { brand_new_setting: { deep: true } });
    Object.assign(file.blocks[0] as object, { colour: "blue" });
    const parsed = parseAgentFile(JSON.stringify(file));
    expect(parsed.file.blocks?.[0]).toMatchObject({ label: "human", colour: "blue" });
  });

  it("names the field at fault", () => {
    const wrong = structuredClone(minimal);
    (wrong.agents[0] as Record<string, unknown>).tool_rules = [{ type: "nonsense", tool_name: "x" }];
    const error = refusal(JSON.stringify(wrong));
    expect(error.code).toBe("validation");
    expect(error.message).toContain("agents[0].tool_rules[0]");

    const duplicate = structuredClone(minimal);
    duplicate.blocks.push({ id: "block-0", label: "persona", value: "x" });
    expect(refusal(JSON.stringify(duplicate)).message).toContain("blocks[1].id: duplicate id 'block-0'");

    const window = structuredClone(minimal);
    window.agents[0]!.in_context_message_ids = ["message-7"];
    expect(refusal(JSON.stringify(window)).message).toContain("agents[0].in_context_message_ids[0]");
  });

  it("refuses what is not an agent file, or not JSON", () => {
    expect(refusal("[1, 2]").message).toContain("must be a JSON object");
    expect(refusal('{"agents": []}').message).toContain("no agent");
    expect(refusal('{"agent": {}}').message).toContain("expected 'agents'");
    const truncated = refusal(reference("memgpt_agent.af").slice(0, 300));
    expect(truncated.code).toBe("invalid_argument");
  });

  it("converts a legacy v1 file, checking its window indices", () => {
    const legacy = {
      name: "old",
      core_memory: [{ label: "human", value: "Name: Grace", limit: 100 }],
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
      in_context_message_indices: [0],
      tags: [{ tag: "x" }, "y"],
    };
    const parsed = parseAgentFile(JSON.stringify(JSON.stringify(legacy)));
    expect(parsed.format).toBe("v1");
    expect(parsed.file.agents[0]).toMatchObject({
      id: "agent-0",
      block_ids: ["block-0"],
      in_context_message_ids: ["message-0"],
      tags: ["x", "y"],
    });
    legacy.in_context_message_indices = [0, 3];
    expect(refusal(JSON.stringify(legacy)).message).toContain("in_context_message_indices[1]: index 3");
  });
});
