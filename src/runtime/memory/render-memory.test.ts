import { describe, expect, it } from "vitest";
import { formatLettaTime } from "./letta-time.js";
import { fillSystemPrompt, renderMemory } from "./render-memory.js";

const metadata = {
  agentId: "agent-1",
  conversationId: null,
  lastRecompiled: "2025-01-15 09:00:00 AM UTC+0000",
  previousMessageCount: 3,
  archivalMemoryCount: 0,
  archivalTags: [],
};

describe("renderMemory", () => {
  it("renders blocks with description, metadata and value in Letta's layout", () => {
    const text = renderMemory({
      blocks: [
        { label: "persona", value: "I am Sam.", limit: 5000, description: "Who I am", read_only: false },
        { label: "policy", value: "Be kind.", limit: 100, description: null, read_only: true },
      ],
      lineNumbers: false,
      metadata,
    });
    expect(text).toBe(
      [
        "<memory_blocks>",
        "The following memory blocks are currently engaged in your core memory unit:",
        "",
        "<persona>",
        "<description>",
        "Who I am",
        "</description>",
        "<metadata>",
        "- chars_current=9",
        "- chars_limit=5000",
        "</metadata>",
        "<value>",
        "I am Sam.",
        "</value>",
        "</persona>",
        "",
        "<policy>",
        "<metadata>",
        "- read_only=true",
        "- chars_current=8",
        "- chars_limit=100",
        "</metadata>",
        "<value>",
        "Be kind.",
        "</value>",
        "</policy>",
        "</memory_blocks>",
        "",
        "<memory_metadata>",
        "- AGENT_ID: agent-1",
        "- CONVERSATION_ID: default",
        "- System prompt last recompiled: 2025-01-15 09:00:00 AM UTC+0000",
        "- 3 previous messages between you and the user are stored in recall memory",
        "</memory_metadata>",
      ].join("\n"),
    );
  });

  it("numbers lines with a warning, and reports archival counts and tags", () => {
    const text = renderMemory({
      blocks: [{ label: "human", value: "a\nb", limit: 10, description: null, read_only: false }],
      lineNumbers: true,
      toolRules: ["send_message ends your response (yields control) when called"],
      metadata: { ...metadata, archivalMemoryCount: 4, archivalTags: ["work", "family"] },
    });
    expect(text).toContain("<value>\n1→ a\n2→ b\n</value>");
    expect(text).toContain("# NOTE: Line numbers shown below");
    expect(text).toContain(
      "<tool_rule>\nsend_message ends your response (yields control) when called\n</tool_rule>",
    );
    expect(text).toContain("- 4 total memories you created are stored in archival memory");
    expect(text).toContain("- Available archival memory tags: work, family");
  });
});

describe("fillSystemPrompt and formatLettaTime", () => {
  it("fills the placeholder or appends", () => {
    expect(fillSystemPrompt("Hi.\n{CORE_MEMORY}\nBye.", "MEM")).toBe("Hi.\nMEM\nBye.");
    expect(fillSystemPrompt("Hi.", "MEM")).toBe("Hi.\n\nMEM");
  });

  it("formats times as Letta does, in the agent's timezone", () => {
    const date = new Date("2025-01-15T17:00:00Z");
    expect(formatLettaTime(date, "America/Los_Angeles")).toBe("2025-01-15 09:00:00 AM PST-0800");
    expect(formatLettaTime(date, null)).toBe("2025-01-15 05:00:00 PM UTC+0000");
    expect(formatLettaTime(date, "Not/AZone")).toBe("2025-01-15 05:00:00 PM UTC+0000");
  });
});

describe("parseAgentDate and timeAgo", () => {
  it("reads dates in the agent's timezone, whole days inclusive", async () => {
    const { parseAgentDate, timeAgo } = await import("./letta-time.js");
    expect(parseAgentDate("2025-01-15", "America/Los_Angeles")).toBe("2025-01-15T08:00:00.000Z");
    expect(parseAgentDate("2025-01-15", "America/Los_Angeles", true)).toBe("2025-01-16T07:59:59.999Z");
    expect(parseAgentDate("2025-07-01T09:30", "Europe/Paris")).toBe("2025-07-01T07:30:00.000Z");
    expect(parseAgentDate("2025-07-01T09:30:00Z", "Europe/Paris")).toBe("2025-07-01T09:30:00.000Z");
    expect(parseAgentDate("yesterday", null)).toBeUndefined();
    expect(timeAgo(new Date("2025-01-01T00:00:00Z"), new Date("2025-01-01T00:05:30Z"))).toBe("5m ago");
  });
});
