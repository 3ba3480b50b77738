import { describe, expect, it } from "vitest";
import type { AgentRecord, LettaMessage } from "../../../domain/index.js";
import type { Store } from "../../../store/store.js";
import { type AgentTurns, createMultiAgentTools, multiAgentDepthFromEnv } from "./multi-agent-tools.js";
import { pythonRepr, pythonSet } from "./python-repr.js";

const agent = (id: string) => ({ id, tags: [] }) as unknown as AgentRecord;
const store = { agents: { get: async (id: string) => agent(id) } } as unknown as Store;
const reply = (content: string) =>
  ({ message_type: "assistant_message", content }) as unknown as LettaMessage;

describe("multi-agent tools", () => {
  it("stop two agents that keep asking each other at the depth limit", async () => {
    const sent: string[] = [];
    const turns: AgentTurns = {
      // The receiver at once asks the other agent back (no turn locks in this fake).
      async send(agentId) {
        sent.push(agentId);
        const other = agentId === "agent-a" ? "agent-b" : "agent-a";
        const result = await tools.call(
          "send_message_to_agent_and_wait_for_reply",
          { message: "and you?", other_agent_id: other },
          agent(agentId),
        );
        return [reply(result.ok ? result.value : result.error)];
      },
      sendAsync: async () => {},
    };
    const tools = createMultiAgentTools({ store, turns, maxDepth: 3 });
    const result = await tools.call(
      "send_message_to_agent_and_wait_for_reply",
      { message: "hi", other_agent_id: "agent-b" },
      agent("agent-a"),
    );
    expect(sent).toEqual(["agent-b", "agent-a", "agent-b"]);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toContain("at most 3 levels deep");
  });

  it("counts hops across background turns too", async () => {
    const started: string[] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const turns: AgentTurns = {
      send: async () => [],
      async sendAsync(agentId) {
        started.push(agentId);
        // The background turn runs later, after the sender's tool call has returned.
        setTimeout(async () => {
          const other = agentId === "agent-a" ? "agent-b" : "agent-a";
          const result = await tools.call(
            "send_message_to_agent_async",
            { message: "ping", other_agent_id: other },
            agent(agentId),
          );
          if (!result.ok) finished();
        }, 1);
      },
    };
    const tools = createMultiAgentTools({ store, turns, maxDepth: 2 });
    expect(
      await tools.call(
        "send_message_to_agent_async",
        { message: "ping", other_agent_id: "agent-b" },
        agent("agent-a"),
      ),
    ).toEqual({ ok: true, value: "Successfully sent message" });
    await done;
    expect(started).toEqual(["agent-b", "agent-a"]);
  });

  it("reads REVERIE_MULTI_AGENT_MAX_DEPTH", () => {
    expect(multiAgentDepthFromEnv({})).toBe(3);
    expect(multiAgentDepthFromEnv({ REVERIE_MULTI_AGENT_MAX_DEPTH: "0" })).toBe(0);
    expect(() => multiAgentDepthFromEnv({ REVERIE_MULTI_AGENT_MAX_DEPTH: "-1" })).toThrow("whole number");
    expect(() => multiAgentDepthFromEnv({ REVERIE_MULTI_AGENT_MAX_DEPTH: "two" })).toThrow("whole number");
  });
});

describe("pythonRepr", () => {
  it("prints values as Python's str() does", () => {
    expect(pythonRepr({ agent_id: "agent-1", response: ["It's fine", 'say "hi"', "a\nb", "c'\"d"] })).toBe(
      `{'agent_id': 'agent-1', 'response': ["It's fine", 'say "hi"', 'a\\nb', 'c\\'"d']}`,
    );
    expect(pythonRepr([])).toBe("[]");
    expect(pythonRepr([null, true, 3])).toBe("[None, True, 3]");
    expect(pythonSet(["fetch_webpage", "memory"])).toBe("{'fetch_webpage', 'memory'}");
  });
});
