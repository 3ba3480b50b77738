import { AsyncLocalStorage } from "node:async_hooks";
import { type AgentRecord, type LettaMessage, type Result, ReverieError } from "../../../domain/index.js";
import type { Store } from "../../../store/store.js";
import { pythonRepr } from "./python-repr.js";

/** Letta's agent-to-agent tools. */
export const MULTI_AGENT_TOOLS = [
  "send_message_to_agent_and_wait_for_reply",
  "send_message_to_agents_matching_tags",
  "send_message_to_agent_async",
] as const;

/** How deep agents may message each other by default (user -> A -> B -> C -> D). */
export const DEFAULT_MULTI_AGENT_DEPTH = 3;

/** Reads `REVERIE_MULTI_AGENT_MAX_DEPTH` (a whole number from 0, which turns agent-to-agent messages off). */
export function multiAgentDepthFromEnv(env: Record<string, string | undefined>): number {
  const text = env.REVERIE_MULTI_AGENT_MAX_DEPTH?.trim();
  if (!text) return DEFAULT_MULTI_AGENT_DEPTH;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`REVERIE_MULTI_AGENT_MAX_DEPTH must be a whole number (0 or more), not '${text}'`);
  }
  return value;
}

/** Most agents one `send_message_to_agents_matching_tags` call reaches (Letta lists 100). */
const MAX_RECIPIENTS = 100;

/** What the tools need of the rest of the runtime: a turn of another agent, waited for or not. */
export interface AgentTurns {
  /** Runs one turn of `agentId` with a system message and returns the messages it produced. */
  send(agentId: string, text: string): Promise<LettaMessage[]>;
  /** Starts a background turn of `agentId` with a system message. */
  sendAsync(agentId: string, text: string): Promise<void>;
}

/** Runs the multi-agent tools for one caller. */
export interface MultiAgentTools {
  call(name: string, args: Record<string, unknown>, caller: AgentRecord): Promise<Result<string>>;
}

/**
 * Letta's multi-agent tools. They reach only agents the store shows (the caller's organization: the
 * store is scoped by it), and a chain of agents messaging agents stops at `maxDepth` hops, so two
 * agents cannot keep each other busy forever. A busy target (for example the caller itself, or an
 * agent up the chain that is waiting for this reply) is a tool error, never a deadlock.
 */
export function createMultiAgentTools(deps: {
  store: Store;
  turns: AgentTurns;
  maxDepth?: number;
}): MultiAgentTools {
  const maxDepth = deps.maxDepth ?? DEFAULT_MULTI_AGENT_DEPTH;
  // How many agent-to-agent hops led to the current turn; it follows turns started from here,
  // background ones included.
  const depth = new AsyncLocalStorage<number>();

  const deeper = <T>(fn: () => Promise<T>): Promise<T> => depth.run((depth.getStore() ?? 0) + 1, fn);

  function tooDeep(): Result<string> | undefined {
    const current = depth.getStore() ?? 0;
    if (current < maxDepth) return undefined;
    return {
      ok: false,
      error: `Error: agents may message each other at most ${maxDepth} levels deep; this message was not sent. Reply to your sender instead.`,
    };
  }

  async function requireTarget(caller: AgentRecord, id: unknown): Promise<Result<AgentRecord>> {
    if (typeof id !== "string" || id.trim() === "") {
      return { ok: false, error: "Error: other_agent_id must be the id of an agent (agent-...)" };
    }
    if (id === caller.id) return { ok: false, error: "Error: an agent cannot send a message to itself" };
    const target = await deps.store.agents.get(id);
    if (!target) return { ok: false, error: `Error: Agent with id '${id}' not found` };
    return { ok: true, value: target };
  }

  async function waitForReply(caller: AgentRecord, targetId: string, message: string): Promise<string[]> {
    const text = `[Incoming message from agent with ID '${caller.id}' - your response will be delivered to the sender] ${message}`;
    const produced = await deeper(() => deps.turns.send(targetId, text));
    const replies = produced.flatMap((view) =>
      view.message_type === "assistant_message" ? [contentText(view)] : [],
    );
    return replies.length > 0 ? replies : ["<no response>"];
  }

  return {
    async call(name, args, caller) {
      const message = typeof args.message === "string" ? args.message : "";
      if (!message.trim()) return { ok: false, error: "Error: message must not be empty" };
      const refused = tooDeep();
      if (refused) return refused;
      switch (name) {
        case "send_message_to_agent_and_wait_for_reply": {
          const target = await requireTarget(caller, args.other_agent_id);
          if (!target.ok) return target;
          try {
            const response = await waitForReply(caller, target.value.id, message);
            return { ok: true, value: pythonRepr({ agent_id: target.value.id, response }) };
          } catch (error) {
            return { ok: false, error: `Error: ${failure(error, target.value.id)}` };
          }
        }
        case "send_message_to_agent_async": {
          const target = await requireTarget(caller, args.other_agent_id);
          if (!target.ok) return target;
          const text = `[Incoming message from agent with ID '${caller.id}' - this is a one-way notification; if you need to respond, use an agent-to-agent messaging tool if available] ${message}`;
          try {
            await deeper(() => deps.turns.sendAsync(target.value.id, text));
          } catch (error) {
            return { ok: false, error: `Error: ${failure(error, target.value.id)}` };
          }
          return { ok: true, value: "Successfully sent message" };
        }
        case "send_message_to_agents_matching_tags": {
          const matchAll = strings(args.match_all);
          const matchSome = strings(args.match_some);
          const candidates = await deps.store.agents.list({
            tags: matchAll.length > 0 ? matchAll : undefined,
            match_all_tags: matchAll.length > 0 ? true : undefined,
            limit: MAX_RECIPIENTS + 1,
            order: "asc",
          });
          const recipients = candidates
            .filter((agent) => agent.id !== caller.id)
            .filter((agent) => matchSome.length === 0 || agent.tags.some((tag) => matchSome.includes(tag)))
            .slice(0, MAX_RECIPIENTS);
          // One after another, as in Letta: each reply is complete before the next agent is asked.
          const results: Array<{ agent_id: string; response: string[] }> = [];
          for (const agent of recipients) {
            try {
              results.push({ agent_id: agent.id, response: await waitForReply(caller, agent.id, message) });
            } catch (error) {
              results.push({ agent_id: agent.id, response: [`<error: ${failure(error, agent.id)}>`] });
            }
          }
          return { ok: true, value: pythonRepr(results) };
        }
        default:
          return { ok: false, error: `Error: ${name} is not a multi-agent tool` };
      }
    },
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function contentText(view: LettaMessage): string {
  const content = (view as { content?: unknown }).content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .flatMap((part) =>
        part && typeof part === "object" && typeof part.text === "string" ? [part.text] : [],
      )
      .join("\n");
  }
  return String(content ?? "");
}

function failure(error: unknown, agentId: string): string {
  if (error instanceof ReverieError && (error.code === "busy" || error.code === "conflict")) {
    return `agent ${agentId} is busy with another turn (it may be waiting for your own reply); try again later`;
  }
  return error instanceof Error ? error.message : String(error);
}
