import { createInterface } from "node:readline";
import type { Letta } from "@letta-ai/letta-client";
import { defineCommand } from "../command.js";
import { type ChatSession, runSlashCommand } from "./chat-commands.js";
import { lastAgentFor, rememberAgent } from "./chat-state.js";
import { type PendingCall, runTurn } from "./chat-turn.js";
import { call, connect, findAgent, REMOTE_FLAGS } from "./connect.js";
import { DEFAULT_BLOCKS, serverDefaultEmbedding } from "./default-agent.js";
import { createLineReader } from "./line-reader.js";
import { terminalStyle } from "./terminal-style.js";

/** `reverie chat [agent]`: an interactive chat with an agent of a running server. */
export const chatCommand = defineCommand({
  name: "chat",
  summary: "Chat with an agent in the terminal, watching its memory edits as they happen.",
  description: [
    "Streams the reply token by token and shows each tool call, and for memory tools the lines of the",
    "block they changed. Without <agent>, continues with the last agent used on that server, or creates",
    "one on first use (remembered in $REVERIE_HOME/chat.json). Type /help for the slash commands.",
  ].join("\n"),
  args: [{ name: "agent", description: "the agent's id or name (default: the last one)", required: false }],
  flags: {
    ...REMOTE_FLAGS,
    model: { type: "string", placeholder: "handle", description: "the model of an agent created here" },
  },
  async run({ flags, args: [reference] }) {
    const { client, url } = await connect(flags);
    const style = terminalStyle();
    const write = (text: string) => void process.stdout.write(text);

    const createAgent = async (name?: string) => {
      const embedding = await call("listing the embedding models", () => serverDefaultEmbedding(client));
      const agent = await call("creating an agent", () =>
        client.agents.create({
          name,
          model: flags.model,
          embedding,
          memory_blocks: [
            { label: "persona", value: DEFAULT_BLOCKS.persona },
            { label: "human", value: DEFAULT_BLOCKS.human },
          ],
          tags: ["chat"],
        } as never),
      );
      write(style.dim(`Created agent ${agent.name} (${agent.id}).\n`));
      return { id: agent.id, name: agent.name };
    };

    const first = await chooseAgent(client, url, reference, createAgent);
    const session: ChatSession = {
      client,
      agentId: first.id,
      agentName: first.name,
      write,
      style,
      createAgent,
      async switchTo(agent) {
        session.agentId = agent.id;
        session.agentName = agent.name;
        await rememberAgent(url, agent.id);
        write(style.dim(`Now chatting with ${agent.name} (${agent.id}).\n`));
      },
    };
    await rememberAgent(url, first.id);
    write(
      `${style.bold(`Chatting with ${first.name}`)} ${style.dim(`(${first.id}) on ${url}. /help for commands, /quit to leave.`)}\n`,
    );

    const prompt = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: process.stdin.isTTY,
    });
    let turn: AbortController | undefined;
    prompt.on("SIGINT", () => {
      if (turn) turn.abort();
      else prompt.close();
    });
    const lines = createLineReader(prompt);

    let pending: PendingCall[] = [];
    for (;;) {
      const read = await lines.next(style.bold("you> "));
      if (read === undefined) break; // the input closed (Ctrl-D, end of a pipe)
      const line = read.trim();
      if (line === "") continue;
      if (line === "/quit" || line === "/exit") break;
      if (line.startsWith("/") && pending.length === 0) {
        await runSlashCommand(session, line);
        continue;
      }
      turn = new AbortController();
      const message = pending.length > 0 ? approvalMessage(pending, line) : { role: "user", content: line };
      const outcome = await runTurn(client, session.agentId, message, { write, style, signal: turn.signal });
      turn = undefined;
      pending = outcome.pending;
      for (const waiting of pending) {
        write(
          style.yellow(
            `? ${waiting.name}(${waiting.args}) needs your approval: answer y to run it, n [reason] to deny,\n`,
          ) + style.yellow("  or r <result> to answer as a client-side tool.\n"),
        );
      }
    }
    prompt.close();
    write(style.dim("Bye.\n"));
    return 0;
  },
});

/** The agent to start with: the one named, else the last one on this server, else a new one. */
async function chooseAgent(
  client: Letta,
  url: string,
  reference: string | undefined,
  create: (name?: string) => Promise<{ id: string; name: string }>,
): Promise<{ id: string; name: string }> {
  if (reference !== undefined) return findAgent(client, reference);
  const last = await lastAgentFor(url);
  if (last !== undefined) {
    try {
      return await client.agents.retrieve(last);
    } catch {
      // Deleted since: start with a new one.
    }
  }
  return create();
}

/** The approval message for the user's answer to the pending calls (y, n [reason], r <result>). */
function approvalMessage(pending: PendingCall[], answer: string): Record<string, unknown> {
  const [word = "", ...rest] = answer.split(/\s+/);
  const text = rest.join(" ");
  const approvals = pending.map((call) => {
    if (/^r(esult)?$/i.test(word))
      return { type: "tool", tool_call_id: call.id, tool_return: text, status: "success" };
    if (/^y(es)?$/i.test(word)) return { type: "approval", tool_call_id: call.id, approve: true };
    return { type: "approval", tool_call_id: call.id, approve: false, reason: text || answer };
  });
  return { type: "approval", approvals };
}
