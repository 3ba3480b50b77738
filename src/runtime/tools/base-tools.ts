import { type Clock, DEFAULT_RETURN_CHAR_LIMIT, type IdGenerator, type Tool } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { BUILTIN_TOOLS } from "./builtin-schemas.js";

/**
 * The current organization's built-in tools with these names, installing the built-ins first when one
 * is missing (an organization created since start-up, or a release that added a built-in).
 */
export async function requireBaseTools(
  store: Store,
  names: readonly string[],
  deps: { clock: Clock; ids: IdGenerator },
): Promise<Tool[]> {
  if (names.length === 0) return [];
  let tools = await store.tools.list({ names: [...names] });
  if (tools.length < new Set(names).size) {
    await upsertBaseTools(store, deps);
    tools = await store.tools.list({ names: [...names] });
  }
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  return names.flatMap((name) => byName.get(name) ?? []);
}

/**
 * Upserts the built-in tools into the current organization (at start-up and for `POST /v1/tools/add-base-tools`), so
 * agents can attach them by name; existing rows keep their ids. Returns the stored tools.
 */
export async function upsertBaseTools(
  store: Store,
  deps: { clock: Clock; ids: IdGenerator },
): Promise<Tool[]> {
  const now = deps.clock.now().toISOString();
  return store.transaction(async (tx) => {
    const tools: Tool[] = [];
    for (const definition of BUILTIN_TOOLS) {
      const existing = await tx.tools.getByName(definition.name);
      const same =
        existing &&
        existing.tool_type === definition.toolType &&
        JSON.stringify(existing.json_schema) === JSON.stringify(definition.schema);
      if (existing && same) {
        tools.push(existing);
        continue;
      }
      tools.push(
        await tx.tools.upsertByName({
          id: existing?.id ?? deps.ids.next("tool"),
          name: definition.name,
          description: definition.description,
          tool_type: definition.toolType,
          source_type: "python",
          source_code: null,
          json_schema: definition.schema,
          args_json_schema: null,
          tags: ["letta", "base"],
          return_char_limit: existing?.return_char_limit ?? DEFAULT_RETURN_CHAR_LIMIT,
          default_requires_approval: existing?.default_requires_approval ?? false,
          enable_parallel_execution: [
            "conversation_search",
            "archival_memory_search",
            "grep_files",
            "semantic_search_files",
            "web_search",
            "fetch_webpage",
            "run_code",
          ].includes(definition.name),
          pip_requirements: null,
          npm_requirements: null,
          metadata_: null,
          project_id: null,
          created_by_id: null,
          last_updated_by_id: null,
          created_at: existing?.created_at ?? now,
          updated_at: now,
        }),
      );
    }
    return tools;
  });
}
