import {
  type AgentState,
  type Clock,
  type IdGenerator,
  notFound,
  type PageQuery,
  ReverieError,
  type Tool,
  type ToolCreate,
  type ToolRule,
  type ToolUpdate,
} from "../domain/index.js";
import type { Store, ToolListQuery } from "../store/store.js";
import { buildAgentState } from "./agent-state.js";
import { pageInMemory } from "./in-memory-page.js";
import { upsertBaseTools } from "./tools/base-tools.js";
import { defineToolFromSource } from "./tools/custom/tool-definition.js";

/** `GET /v1/tools/` filters: the store's, plus tags (a tool matches when it has any of them). */
export interface ToolFilter extends ToolListQuery {
  tags?: string[] | undefined;
}

/** Tools, and which of them an agent has. */
export function createToolService(deps: { store: Store; clock: Clock; ids: IdGenerator }) {
  const { store } = deps;

  async function agentState(agentId: string, from: Store = store): Promise<AgentState> {
    const agent = await from.agents.get(agentId);
    if (!agent) throw notFound("Agent", agentId);
    return buildAgentState(from, agent);
  }

  async function requireTool(from: Store, toolId: string): Promise<Tool> {
    const tool = await from.tools.get(toolId);
    if (!tool) throw notFound("Tool", toolId);
    return tool;
  }

  /** A custom tool row from a create body; the source decides the name and, when absent, the schema. */
  async function customTool(body: ToolCreate, existing: Tool | undefined, name?: string): Promise<Tool> {
    const definition = await defineToolFromSource({ ...body, name });
    const now = deps.clock.now().toISOString();
    return {
      id: existing?.id ?? deps.ids.next("tool"),
      name: definition.name,
      description: definition.description,
      tool_type: "custom",
      source_type: body.source_type,
      source_code: body.source_code,
      json_schema: definition.json_schema,
      args_json_schema: body.args_json_schema ?? null,
      tags: body.tags ?? existing?.tags ?? [],
      return_char_limit: body.return_char_limit,
      default_requires_approval:
        body.default_requires_approval ?? existing?.default_requires_approval ?? null,
      enable_parallel_execution:
        body.enable_parallel_execution ?? existing?.enable_parallel_execution ?? false,
      pip_requirements: body.pip_requirements ?? null,
      npm_requirements: body.npm_requirements ?? null,
      metadata_: body.metadata_ ?? existing?.metadata_ ?? null,
      project_id: existing?.project_id ?? null,
      created_by_id: existing?.created_by_id ?? null,
      last_updated_by_id: null,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
  }

  /** Built-in and MCP tools keep their names: a custom tool may not take one over. */
  function refuseReplacing(existing: Tool | undefined, name: string): void {
    if (existing && existing.tool_type !== "custom") {
      throw new ReverieError("conflict", `A built-in tool named '${name}' already exists`);
    }
  }

  return {
    async list(query: ToolFilter): Promise<Tool[]> {
      const { tags, ...rest } = query;
      if (!tags || tags.length === 0) return store.tools.list(rest);
      // Tags live in a JSON column; tools are few per organization, so the tag filter pages in memory.
      const { after, before, limit, order, ...filters } = rest;
      const all = await store.tools.list(filters);
      const page: PageQuery = { after, before, limit, order };
      return pageInMemory(
        all.filter((tool) => tool.tags.some((tag) => tags.includes(tag))),
        page,
      );
    },
    get: (toolId: string) => requireTool(store, toolId),

    /** Creates a custom tool; its name comes from the function, and a taken name is a 409. */
    async create(body: ToolCreate): Promise<Tool> {
      const tool = await customTool(body, undefined);
      return store.tools.create(tool);
    },

    /** Creates the custom tool or replaces the one of the same name (Letta's `PUT /v1/tools/`). */
    async upsert(body: ToolCreate): Promise<Tool> {
      const draft = await customTool(body, undefined);
      return store.transaction(async (tx) => {
        const existing = await tx.tools.getByName(draft.name);
        refuseReplacing(existing, draft.name);
        if (!existing) return tx.tools.create(draft);
        const tool = await customTool(body, existing, draft.name);
        return (await tx.tools.update(existing.id, tool)) ?? tool;
      });
    },

    /** Modifies a tool; a new source (or schema) is read and checked again as on create. */
    async modify(toolId: string, patch: ToolUpdate): Promise<Tool> {
      const existing = await requireTool(store, toolId);
      const changes: Partial<Tool> = {};
      for (const key of [
        "description",
        "tags",
        "return_char_limit",
        "pip_requirements",
        "npm_requirements",
        "metadata_",
        "default_requires_approval",
        "enable_parallel_execution",
      ] as const) {
        if (patch[key] !== undefined) (changes as Record<string, unknown>)[key] = patch[key];
      }
      if (changes.tags === null) changes.tags = [];
      if (changes.return_char_limit === null) delete changes.return_char_limit;
      const sourceChanged =
        (patch.source_code ?? null) !== null ||
        (patch.source_type ?? null) !== null ||
        (patch.json_schema ?? null) !== null ||
        (patch.args_json_schema ?? null) !== null;
      if (sourceChanged) {
        if (existing.tool_type !== "custom") {
          throw new ReverieError(
            "validation",
            `Tool '${existing.name}' is built in: its source and schema cannot change`,
          );
        }
        const sourceType =
          patch.source_type ?? (existing.source_type as ToolCreate["source_type"]) ?? "python";
        const definition = await defineToolFromSource({
          source_code: patch.source_code ?? existing.source_code ?? "",
          source_type: sourceType,
          // A new source is read afresh; an unchanged one keeps its stored schema unless a new one is given.
          json_schema:
            patch.json_schema ??
            (patch.source_code || patch.args_json_schema ? undefined : existing.json_schema),
          args_json_schema:
            patch.args_json_schema ?? (patch.source_code ? undefined : existing.args_json_schema),
          description:
            patch.description ?? (patch.json_schema || patch.source_code ? undefined : existing.description),
          name: patch.json_schema ? undefined : existing.name,
        }).catch(async (error: unknown) => {
          // A new source may rename its function; then the tool takes the new name.
          if (patch.source_code && !patch.json_schema) {
            return defineToolFromSource({
              source_code: patch.source_code,
              source_type: sourceType,
              args_json_schema: patch.args_json_schema,
              description: patch.description,
            });
          }
          throw error;
        });
        Object.assign(changes, {
          name: definition.name,
          description: definition.description,
          json_schema: definition.json_schema,
          source_type: sourceType,
          source_code: patch.source_code ?? existing.source_code,
          args_json_schema: patch.args_json_schema ?? (patch.source_code ? null : existing.args_json_schema),
        });
      }
      if (!sourceChanged && typeof changes.description === "string" && existing.json_schema) {
        changes.json_schema = { ...existing.json_schema, description: changes.description };
      }
      const updated = await store.tools.update(toolId, changes);
      if (!updated) throw notFound("Tool", toolId);
      return updated;
    },

    /** Deletes a tool and detaches it from every agent. */
    async delete(toolId: string): Promise<void> {
      if (!(await store.tools.delete(toolId))) throw notFound("Tool", toolId);
    },
    /** Upserts the built-in tools (Letta's `add-base-tools`). */
    addBaseTools: () => upsertBaseTools(store, deps),

    async listForAgent(agentId: string): Promise<Tool[]> {
      await agentState(agentId);
      return store.tools.listForAgent(agentId);
    },

    attach: (agentId: string, toolId: string) =>
      store.transaction(async (tx) => {
        if (!(await tx.agents.get(agentId))) throw notFound("Agent", agentId);
        await requireTool(tx, toolId);
        await tx.tools.attach(agentId, toolId);
        return agentState(agentId, tx);
      }),

    detach: (agentId: string, toolId: string) =>
      store.transaction(async (tx) => {
        if (!(await tx.agents.get(agentId))) throw notFound("Agent", agentId);
        await requireTool(tx, toolId);
        await tx.tools.detach(agentId, toolId);
        return agentState(agentId, tx);
      }),

    /** Turns approval on or off for one of the agent's tools, as a `requires_approval` tool rule. */
    setApproval: (agentId: string, toolName: string, requiresApproval: boolean) =>
      store.transaction(async (tx) => {
        const agent = await tx.agents.get(agentId);
        if (!agent) throw notFound("Agent", agentId);
        const tools = await tx.tools.listForAgent(agentId);
        if (!tools.some((tool) => tool.name === toolName)) {
          throw notFound("Tool", `${toolName}' on agent '${agentId}`);
        }
        const others = agent.tool_rules.filter(
          (rule) => !(rule.type === "requires_approval" && rule.tool_name === toolName),
        );
        const rules: ToolRule[] = requiresApproval
          ? [...others, { type: "requires_approval", tool_name: toolName }]
          : others;
        await tx.agents.update(agentId, { tool_rules: rules });
        return agentState(agentId, tx);
      }),
  };
}

export type ToolService = ReturnType<typeof createToolService>;
