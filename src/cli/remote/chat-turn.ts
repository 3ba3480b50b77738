import type { Letta } from "@letta-ai/letta-client";
import { describeError } from "./connect.js";
import type { TerminalStyle } from "./terminal-style.js";

/** Tools whose calls change core memory: their results are followed by the block's diff. */
const MEMORY_TOOLS = new Set([
  "memory_replace",
  "memory_insert",
  "memory_rethink",
  "memory_finish_edits",
  "memory",
  "core_memory_append",
  "core_memory_replace",
]);

interface Chunk {
  message_type: string;
  id?: string;
  run_id?: string;
  content?: unknown;
  reasoning?: string;
  tool_call?: { tool_call_id?: string; name?: string | null; arguments?: string | null } | null;
  tool_calls?: Array<{ tool_call_id?: string; name?: string | null; arguments?: string | null }> | null;
  tool_return?: string;
  tool_call_id?: string;
  status?: string;
  stop_reason?: string;
}

/** A tool call the server is waiting on (approval, or a client-side tool's result). */
export interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/** How a turn ended. */
export interface TurnOutcome {
  stopReason: string | undefined;
  pending: PendingCall[];
}

/** The agent's blocks, label → value, to diff memory edits against. */
export async function snapshotBlocks(client: Letta, agentId: string): Promise<Map<string, string>> {
  const page = await client.agents.blocks.list(agentId, { limit: 100 });
  return new Map(page.getPaginatedItems().map((block) => [block.label ?? "", block.value]));
}

/**
 * Sends one message (or approval) and prints the stream as it comes: the reply's tokens, reasoning
 * dimmed, each tool call with its result, and after a memory tool the lines of the block it changed.
 */
export async function runTurn(
  client: Letta,
  agentId: string,
  message: Record<string, unknown>,
  io: { write(text: string): void; style: TerminalStyle; signal?: AbortSignal },
): Promise<TurnOutcome> {
  const { write, style } = io;
  let blocks = await snapshotBlocks(client, agentId).catch(() => new Map<string, string>());
  const calls = new Map<string, PendingCall & { approval: boolean; done: boolean }>();
  let open: "assistant" | "reasoning" | undefined;
  let stopReason: string | undefined;
  let runId: string | undefined;
  const close = () => {
    if (open) write("\n");
    open = undefined;
  };

  try {
    const stream = await client.agents.messages.stream(
      agentId,
      { messages: [message], stream_tokens: true } as never,
      { signal: io.signal },
    );
    for await (const raw of stream as AsyncIterable<Chunk>) {
      runId = raw.run_id ?? runId;
      switch (raw.message_type) {
        case "assistant_message": {
          if (open !== "assistant") {
            close();
            write(style.cyan("agent> "));
            open = "assistant";
          }
          write(textOf(raw.content));
          break;
        }
        case "reasoning_message": {
          if (open !== "reasoning") {
            close();
            write(style.dim("thinking: "));
            open = "reasoning";
          }
          write(style.dim(raw.reasoning ?? ""));
          break;
        }
        case "tool_call_message":
        case "approval_request_message": {
          const list = raw.tool_calls?.length ? raw.tool_calls : raw.tool_call ? [raw.tool_call] : [];
          for (const call of list) {
            const id = call.tool_call_id ?? raw.id ?? "";
            const known = calls.get(id);
            if (known) {
              known.args += call.arguments ?? "";
              known.name ||= call.name ?? "";
              known.approval ||= raw.message_type === "approval_request_message";
            } else {
              calls.set(id, {
                id,
                name: call.name ?? "",
                args: call.arguments ?? "",
                approval: raw.message_type === "approval_request_message",
                done: false,
              });
            }
          }
          break;
        }
        case "tool_return_message": {
          close();
          const call = calls.get(raw.tool_call_id ?? "");
          if (call) call.done = true;
          const name = call?.name ?? "tool";
          const failed = raw.status === "error";
          const memory = MEMORY_TOOLS.has(name);
          write(
            `${memory ? style.yellow("✎ memory edit") : style.dim("⚙ tool")} ${name}(${compact(call?.args ?? "")})\n`,
          );
          write(`${failed ? style.red("  ✗ ") : style.dim("  → ")}${clip(raw.tool_return ?? "", 300)}\n`);
          if (memory && !failed) blocks = await printMemoryDiff(client, agentId, blocks, write, style);
          break;
        }
        case "stop_reason":
          stopReason = raw.stop_reason;
          break;
        default:
          break;
      }
    }
  } catch (error) {
    close();
    if (io.signal?.aborted) {
      write(style.dim("(stopped)\n"));
      return { stopReason: "cancelled", pending: [] };
    }
    write(style.red(`✗ the run failed${stopReason ? ` (${stopReason})` : ""}: ${describeError(error)}\n`));
    return { stopReason: stopReason ?? "error", pending: [] };
  }
  close();
  if (stopReason && !["end_turn", "requires_approval", "cancelled"].includes(stopReason)) {
    const run = runId ? await client.runs.retrieve(runId).catch(() => undefined) : undefined;
    const detail = (run?.metadata as { error?: { message?: string } } | null | undefined)?.error?.message;
    write(style.red(`✗ the run stopped: ${stopReason}${detail ? `: ${detail}` : ""}\n`));
  }
  const pending = [...calls.values()].filter((call) => call.approval && !call.done);
  return { stopReason, pending };
}

/** Prints what changed in the agent's blocks since `before`; returns the new snapshot. */
async function printMemoryDiff(
  client: Letta,
  agentId: string,
  before: Map<string, string>,
  write: (text: string) => void,
  style: TerminalStyle,
): Promise<Map<string, string>> {
  const after = await snapshotBlocks(client, agentId).catch(() => before);
  for (const [label, value] of after) {
    const old = before.get(label);
    if (old === value) continue;
    write(style.yellow(`  block ${label}:\n`));
    const oldLines = new Set((old ?? "").split("\n"));
    const newLines = new Set(value.split("\n"));
    for (const line of oldLines) if (!newLines.has(line) && line !== "") write(style.red(`  - ${line}\n`));
    for (const line of newLines) if (!oldLines.has(line) && line !== "") write(style.green(`  + ${line}\n`));
  }
  return after;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? "").join("");
  return "";
}

function compact(args: string): string {
  try {
    const parsed = JSON.parse(args) as Record<string, unknown>;
    return Object.entries(parsed)
      .filter(([key]) => key !== "request_heartbeat")
      .map(([key, value]) => `${key}=${clip(JSON.stringify(value), 60)}`)
      .join(", ");
  } catch {
    return clip(args, 120);
  }
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
