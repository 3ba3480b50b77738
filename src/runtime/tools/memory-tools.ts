import type { Actor, AgentRecord, Block, IdGenerator, Result } from "../../domain/index.js";
import { DEFAULT_BLOCK_LIMIT } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import {
  coreMemoryAppend,
  coreMemoryReplace,
  memoryInsert,
  memoryReplace,
  memoryRethink,
  unknownLabelError,
} from "../memory/block-edits.js";

/** What a memory tool needs: the step's transaction, the agent, who acts, and a clock. */
export interface MemoryToolContext {
  tx: Store;
  agent: AgentRecord;
  actor: Actor;
  ids: IdGenerator;
  now: string;
}

type Edit = (block: Block) => Result<string>;

async function editBlock(context: MemoryToolContext, label: string, edit: Edit): Promise<Result<string>> {
  const block = await context.tx.blocks.getForAgentByLabel(context.agent.id, label);
  if (!block) {
    const available = (await context.tx.blocks.listForAgent(context.agent.id)).map((b) => b.label);
    return { ok: false, error: unknownLabelError(label, available) };
  }
  const edited = edit(block);
  if (!edited.ok) return edited;
  if (edited.value !== block.value) {
    await context.tx.blocks.update(block.id, { value: edited.value }, context.actor);
  }
  return edited;
}

async function createBlock(
  context: MemoryToolContext,
  label: string,
  value: string,
  description: string | null,
): Promise<Block> {
  const block = await context.tx.blocks.create(
    {
      id: context.ids.next("block"),
      label,
      value,
      limit: Math.max(DEFAULT_BLOCK_LIMIT, value.length),
      description,
      read_only: false,
      hidden: null,
      metadata: {},
      tags: [],
      is_template: false,
      template_name: null,
      project_id: context.agent.project_id,
      created_by_id: context.agent.id,
      last_updated_by_id: context.agent.id,
      created_at: context.now,
      updated_at: context.now,
    },
    context.actor,
  );
  await context.tx.blocks.attach(context.agent.id, block.id);
  return block;
}

const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const int = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

/** `/memories/project/notes` → `project_notes`: the `memory` tool's paths name blocks. */
export function labelFromPath(path: string): string {
  return path
    .trim()
    .replace(/^\/?memories\//, "")
    .replace(/^\/+|\/+$/g, "")
    .replaceAll("/", "_");
}

/** Runs one memory tool; the value is what the model sees (usually the whole new block value). */
export async function runMemoryTool(
  name: string,
  args: Record<string, unknown>,
  context: MemoryToolContext,
): Promise<Result<string> | undefined> {
  switch (name) {
    case "memory_replace":
      return editBlock(context, str(args.label), (block) =>
        memoryReplace(block, str(args.old_string), str(args.new_string)),
      );
    case "memory_insert":
      return editBlock(context, str(args.label), (block) =>
        memoryInsert(block, str(args.new_string), int(args.insert_line, -1)),
      );
    case "core_memory_append":
      return editBlock(context, str(args.label), (block) => coreMemoryAppend(block, str(args.content)));
    case "core_memory_replace":
      return editBlock(context, str(args.label), (block) =>
        coreMemoryReplace(block, str(args.old_content), str(args.new_content)),
      );
    case "memory_rethink": {
      const label = str(args.label);
      const existing = await context.tx.blocks.getForAgentByLabel(context.agent.id, label);
      // Unlike Letta (which made an unattached in-memory block), a new label creates a real block.
      if (!existing) {
        const rethought = memoryRethink({ label, value: "", read_only: false }, str(args.new_memory));
        if (!rethought.ok) return rethought;
        await createBlock(context, label, rethought.value, null);
        return rethought;
      }
      return editBlock(context, label, (block) => memoryRethink(block, str(args.new_memory)));
    }
    case "memory_finish_edits":
      return { ok: true, value: "Finished editing memory." };
    case "memory":
      return runMemoryCommand(args, context);
    default:
      return undefined;
  }
}

async function runMemoryCommand(
  args: Record<string, unknown>,
  context: MemoryToolContext,
): Promise<Result<string>> {
  const command = str(args.command);
  const label = labelFromPath(str(args.path));
  switch (command) {
    case "create": {
      if (!label) return { ok: false, error: "Error: 'path' is required for create" };
      if (args.description === undefined)
        return { ok: false, error: "Error: 'description' is required for create" };
      if (await context.tx.blocks.getForAgentByLabel(context.agent.id, label)) {
        return { ok: false, error: `Error: memory block '${label}' already exists` };
      }
      await createBlock(context, label, str(args.file_text), str(args.description));
      return { ok: true, value: `Created memory block '${label}'.` };
    }
    case "str_replace":
      return editBlock(context, label, (block) =>
        memoryReplace(block, str(args.old_string), str(args.new_string)),
      );
    case "insert":
      return editBlock(context, label, (block) =>
        memoryInsert(block, str(args.insert_text), int(args.insert_line, -1)),
      );
    case "delete": {
      const block = await context.tx.blocks.getForAgentByLabel(context.agent.id, label);
      if (!block) return { ok: false, error: `Error: memory block '${label}' does not exist` };
      if (block.read_only) return { ok: false, error: "Error This block is read-only and cannot be edited." };
      await context.tx.blocks.detach(context.agent.id, block.id);
      return { ok: true, value: `Deleted memory block '${label}'.` };
    }
    case "rename": {
      if (args.old_path !== undefined && args.new_path !== undefined) {
        const from = labelFromPath(str(args.old_path));
        const to = labelFromPath(str(args.new_path));
        const block = await context.tx.blocks.getForAgentByLabel(context.agent.id, from);
        if (!block) return { ok: false, error: `Error: memory block '${from}' does not exist` };
        if (await context.tx.blocks.getForAgentByLabel(context.agent.id, to)) {
          return { ok: false, error: `Error: memory block '${to}' already exists` };
        }
        await context.tx.blocks.update(block.id, { label: to }, context.actor);
        return { ok: true, value: `Renamed memory block '${from}' to '${to}'.` };
      }
      const block = await context.tx.blocks.getForAgentByLabel(context.agent.id, label);
      if (!block) return { ok: false, error: `Error: memory block '${label}' does not exist` };
      await context.tx.blocks.update(block.id, { description: str(args.description) }, context.actor);
      return { ok: true, value: `Updated the description of memory block '${label}'.` };
    }
    default:
      return {
        ok: false,
        error: `Error: Unknown command '${command}'. Supported commands: create, str_replace, insert, delete, rename`,
      };
  }
}
