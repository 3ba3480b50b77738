import type { AgentRecord, Clock, IdGenerator, Result, Tool } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { grepFiles, openFiles, semanticSearchFiles } from "../files/file-tools.js";
import { chunkPassageText } from "../search/passage-chunks.js";
import type { CustomToolExecutor } from "./custom/custom-tool-call.js";
import { runMemoryTool } from "./memory-tools.js";
import { MULTI_AGENT_TOOLS, type MultiAgentTools } from "./multi-agent/multi-agent-tools.js";
import type { RunCode } from "./run-code/run-code.js";
import {
  archivalMemorySearch,
  conversationSearch,
  type EmbedTexts,
  ensureDefaultArchive,
} from "./search-tools.js";
import type { WebTools } from "./web/web-tools.js";

/** Runs the tools of MCP servers (`external_mcp`); failures come back as error outcomes, never thrown. */
export interface McpToolRunner {
  executeTool(tool: Tool, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }>;
}

/** Everything a built-in tool may use; `store` is the root store (reads and slow work happen there). */
export interface BuiltinToolContext {
  store: Store;
  agent: AgentRecord;
  runId: string | null;
  clock: Clock;
  ids: IdGenerator;
  embed?: EmbedTexts | undefined;
  /** `fetch_webpage` and `web_search`; without them those tools answer that they are not set up. */
  web?: WebTools | undefined;
  /** Runs custom tools in the sandbox; without it they answer that no sandbox is available. */
  customTools?: CustomToolExecutor | undefined;
  /** Letta's agent-to-agent tools; without them those tools answer that they are not set up. */
  multiAgent?: MultiAgentTools | undefined;
  /** `run_code` in the tool sandbox. */
  runCode?: RunCode | undefined;
  /** The MCP client; without it `external_mcp` tools answer that MCP is not set up. */
  mcp?: McpToolRunner | undefined;
}

/** What a tool call produced: its text, and for custom tools their output and whether memory changed. */
export type PreparedToolResult = Result<string> & {
  stdout?: string | undefined;
  stderr?: string | undefined;
  editedMemory?: boolean | undefined;
};

/** A tool call made ready outside the step's transaction; `apply` runs inside it. */
export type PreparedToolCall = (tx: Store) => Promise<PreparedToolResult>;

const settled =
  (result: Result<string>): PreparedToolCall =>
  async () =>
    result;

/** Calls an MCP server's tool now (outside the step's transaction: it is network I/O). */
export async function prepareMcpCall(
  tool: Tool,
  args: Record<string, unknown>,
  context: BuiltinToolContext,
): Promise<PreparedToolCall> {
  if (!context.mcp) return settled({ ok: false, error: `Error: MCP tools are not set up on this server` });
  const outcome = await context.mcp.executeTool(tool, args);
  return settled(outcome.isError ? { ok: false, error: outcome.text } : { ok: true, value: outcome.text });
}

/**
 * Prepares a built-in tool call: searches and embeddings run now (outside any transaction, since they
 * may call a provider); writes are deferred to `apply`, which the loop runs in the step's transaction.
 * Returns undefined for a name that is not a built-in tool.
 */
export async function prepareBuiltinCall(
  name: string,
  args: Record<string, unknown>,
  context: BuiltinToolContext,
): Promise<PreparedToolCall | undefined> {
  if (!BUILTIN_EXECUTABLE.has(name)) return undefined;
  const now = context.clock.now();
  switch (name) {
    case "send_message":
      return settled({ ok: true, value: "Sent message successfully." });
    case "conversation_search":
      return settled(
        await conversationSearch(args, {
          store: context.store,
          agent: context.agent,
          now,
          runId: context.runId,
          embed: context.embed,
        }),
      );
    case "archival_memory_search":
      return settled(
        await archivalMemorySearch(args, {
          store: context.store,
          agent: context.agent,
          now,
          embed: context.embed,
        }),
      );
    case "archival_memory_insert": {
      const content = typeof args.content === "string" ? args.content : "";
      if (!content.trim()) return settled({ ok: false, error: "Error: content must not be empty" });
      // Long content is stored as several passages the embedding model takes whole, never truncated.
      const chunks = chunkPassageText(content, context.agent.embedding_config);
      const embeddings = context.embed ? await context.embed(chunks) : [];
      const tags = Array.isArray(args.tags) ? [...new Set(args.tags as string[])] : [];
      return async (tx) => {
        const stamp = now.toISOString();
        const archive = await ensureDefaultArchive(tx, context.agent, context.ids, stamp);
        await tx.passages.insert(
          chunks.map((text, index) => ({
            id: context.ids.next("passage"),
            text,
            archive_id: archive.id,
            source_id: null,
            file_id: null,
            file_name: null,
            tags,
            metadata: chunks.length > 1 ? { chunk_index: index, chunk_count: chunks.length } : null,
            embedding: embeddings[index] ?? null,
            embedding_config: embeddings[index] ? context.agent.embedding_config : null,
            is_deleted: false,
            created_by_id: context.agent.id,
            last_updated_by_id: context.agent.id,
            created_at: stamp,
            updated_at: stamp,
          })),
        );
        return { ok: true, value: chunks.length > 1 ? `None (stored as ${chunks.length} passages)` : "None" };
      };
    }
    case "fetch_webpage":
    case "web_search": {
      if (!context.web) return settled({ ok: false, error: `Error: ${name} is not set up on this server` });
      const result =
        name === "fetch_webpage" ? await context.web.fetchWebpage(args) : await context.web.webSearch(args);
      return settled(result);
    }
    case "send_message_to_agent_and_wait_for_reply":
    case "send_message_to_agent_async":
    case "send_message_to_agents_matching_tags":
      if (!context.multiAgent)
        return settled({ ok: false, error: `Error: ${name} is not set up on this server` });
      return settled(await context.multiAgent.call(name, args, context.agent));
    case "run_code":
      if (!context.runCode)
        return settled({ ok: false, error: "Error: run_code is not set up on this server" });
      return settled(await context.runCode.run(args, { agentId: context.agent.id }));
    case "open_files":
      return (tx) => openFiles(args, { tx, agent: context.agent, now: now.toISOString() });
    case "grep_files":
      return settled(await grepFiles(args, { store: context.store, agent: context.agent }));
    case "semantic_search_files":
      return settled(
        await semanticSearchFiles(args, { store: context.store, agent: context.agent, embed: context.embed }),
      );
    default:
      return async (tx) => {
        const result = await runMemoryTool(name, args, {
          tx,
          agent: context.agent,
          actor: { type: "agent", id: context.agent.id, run_id: context.runId },
          ids: context.ids,
          now: now.toISOString(),
        });
        return result ?? { ok: false, error: `Error: ${name} is not a memory tool` };
      };
  }
}

/** Tools that change core memory (the system prompt must be rebuilt after them). */
export const MEMORY_EDITING_TOOLS: ReadonlySet<string> = new Set([
  "memory_replace",
  "memory_insert",
  "memory_rethink",
  "memory",
  "core_memory_append",
  "core_memory_replace",
  "archival_memory_insert",
  // Opening files changes the files section of the prompt.
  "open_files",
]);

/** Built-in names this executor knows. */
export const BUILTIN_EXECUTABLE: ReadonlySet<string> = new Set([
  ...MEMORY_EDITING_TOOLS,
  "memory_finish_edits",
  "send_message",
  "conversation_search",
  "archival_memory_search",
  "grep_files",
  "semantic_search_files",
  "fetch_webpage",
  "web_search",
  "run_code",
  ...MULTI_AGENT_TOOLS,
]);
