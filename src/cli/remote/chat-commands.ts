import { writeFile } from "node:fs/promises";
import type { Letta } from "@letta-ai/letta-client";
import { table } from "../command.js";
import { call, findAgent } from "./connect.js";
import type { TerminalStyle } from "./terminal-style.js";

/** What a slash command may read and change. */
export interface ChatSession {
  client: Letta;
  agentId: string;
  agentName: string;
  write(text: string): void;
  style: TerminalStyle;
  /** Switches the chat to another agent (remembered as the last one). */
  switchTo(agent: { id: string; name: string }): Promise<void>;
  /** Creates an agent with the default blocks. */
  createAgent(name?: string): Promise<{ id: string; name: string }>;
}

interface SlashCommand {
  usage: string;
  summary: string;
  run(session: ChatSession, argument: string): Promise<void>;
}

const COMMANDS: Record<string, SlashCommand> = {
  memory: {
    usage: "/memory",
    summary: "show the agent's core memory blocks",
    async run(session) {
      const blocks = (
        await call("reading the blocks", () =>
          session.client.agents.blocks.list(session.agentId, { limit: 100 }),
        )
      ).getPaginatedItems();
      if (blocks.length === 0) session.write("The agent has no blocks.\n");
      for (const block of blocks) {
        session.write(
          session.style.bold(`[${block.label}]`) +
            session.style.dim(` ${block.value.length}/${block.limit ?? "∞"} chars\n`),
        );
        session.write(`${block.value || session.style.dim("(empty)")}\n`);
      }
    },
  },
  history: {
    usage: "/history <label>",
    summary: "the revisions of a block: who changed it, when, how",
    async run(session, label) {
      if (label === "") throw new Error("usage: /history <label>");
      const block = await call(`block '${label}'`, () =>
        session.client.agents.blocks.retrieve(label, { agent_id: session.agentId }),
      );
      const revisions = (await call("reading the history", () =>
        session.client.get(`/v1/blocks/${encodeURIComponent(block.id ?? "")}/history`, {
          query: { limit: 20 },
        }),
      )) as Array<{
        seq: number;
        operation: string;
        actor_type: string;
        created_at: string;
        old_value: string | null;
        new_value: string;
      }>;
      if (revisions.length === 0) session.write("No revisions.\n");
      for (const revision of revisions) {
        const before = (revision.old_value ?? "").length;
        session.write(
          `#${revision.seq} ${revision.operation} by ${revision.actor_type} at ${revision.created_at} ` +
            session.style.dim(`(${before} → ${revision.new_value.length} chars)\n`),
        );
      }
    },
  },
  search: {
    usage: "/search <query>",
    summary: "search archival memory and the message history",
    async run(session, query) {
      if (query === "") throw new Error("usage: /search <query>");
      const archival = (await call("archival search", () =>
        session.client.get(`/v1/agents/${encodeURIComponent(session.agentId)}/archival-memory/search`, {
          query: { query, top_k: 5 },
        }),
      )) as { results: Array<{ content: string; score: number }>; search_mode: string };
      session.write(session.style.bold(`Archival memory (${archival.search_mode}):\n`));
      if (archival.results.length === 0) session.write(session.style.dim("  nothing found\n"));
      for (const hit of archival.results) session.write(`  ${hit.score.toFixed(3)}  ${hit.content}\n`);
      const recall = (await call("recall search", () =>
        session.client.post("/v1/messages/search", { body: { query, agent_id: session.agentId, limit: 5 } }),
      )) as Array<{ message_type: string; content: string; created_at: string }>;
      session.write(session.style.bold("Recall memory:\n"));
      if (recall.length === 0) session.write(session.style.dim("  nothing found\n"));
      for (const hit of recall) {
        session.write(
          `  ${hit.message_type === "user_message" ? "you" : "agent"}: ${hit.content} ${session.style.dim(hit.created_at)}\n`,
        );
      }
    },
  },
  model: {
    usage: "/model <handle>",
    summary: "switch the agent's model (e.g. openai/gpt-4o-mini)",
    async run(session, handle) {
      if (handle === "") {
        const agent = await call("reading the agent", () => session.client.agents.retrieve(session.agentId));
        session.write(`Model: ${agent.model ?? agent.llm_config?.model}\n`);
        return;
      }
      const agent = await call(`switching to ${handle}`, () =>
        session.client.agents.update(session.agentId, { model: handle } as never),
      );
      session.write(`Model: ${agent.model ?? handle}\n`);
    },
  },
  export: {
    usage: "/export [file]",
    summary: "write the agent as an Agent File (default <name>.af)",
    async run(session, file) {
      const exported = await call("exporting", () => session.client.agents.exportFile(session.agentId));
      const text = typeof exported === "string" ? exported : JSON.stringify(exported, null, 2);
      const path = file || `${session.agentName.replace(/[^\w.-]+/g, "_")}.af`;
      await writeFile(path, text);
      session.write(`Wrote ${path}\n`);
    },
  },
  new: {
    usage: "/new [name]",
    summary: "create a new agent and chat with it",
    async run(session, name) {
      const agent = await session.createAgent(name || undefined);
      await session.switchTo(agent);
    },
  },
  agents: {
    usage: "/agents [agent]",
    summary: "list the agents, or switch to one (id or name)",
    async run(session, reference) {
      if (reference !== "") {
        const agent = await findAgent(session.client, reference);
        await session.switchTo(agent);
        return;
      }
      const agents = (
        await call("listing agents", () => session.client.agents.list({ limit: 200 }))
      ).getPaginatedItems();
      session.write(
        `${table(agents.map((agent) => [`${agent.id === session.agentId ? "*" : " "} ${agent.name}`, agent.id] as const))}\n`,
      );
    },
  },
  help: {
    usage: "/help",
    summary: "this list",
    async run(session) {
      session.write(`${helpText()}\n`);
    },
  },
};

/** The slash commands with their usage, for /help and the banner. */
export function helpText(): string {
  return table([
    ...Object.values(COMMANDS).map((command) => [command.usage, command.summary] as const),
    ["/quit", "leave (also Ctrl-D)"],
  ]);
}

/** Runs a `/command argument` line; unknown commands and failures print a message, never throw. */
export async function runSlashCommand(session: ChatSession, line: string): Promise<void> {
  const [name = "", ...rest] = line.slice(1).split(/\s+/);
  const command = COMMANDS[name];
  if (command === undefined) {
    session.write(session.style.red(`Unknown command /${name}. Try /help.\n`));
    return;
  }
  try {
    await command.run(session, rest.join(" ").trim());
  } catch (error) {
    session.write(session.style.red(`${(error as Error).message}\n`));
  }
}
