import type { AgentRecord } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { fileLimits } from "./file-views.js";

/**
 * Letta's `<directories>` section of the compiled memory: the file limits, then each attached folder
 * with its files, open ones showing their visible window. Undefined when no folder is attached. Files
 * are listed by name, so opening one changes only its own entry (the rest of the prompt stays stable).
 */
export async function renderDirectories(store: Store, agent: AgentRecord): Promise<string | undefined> {
  const sources = await store.sources.listForAgent(agent.id);
  if (sources.length === 0) return undefined;
  const views = await store.files.listAgentFiles(agent.id);
  const limits = fileLimits(agent);
  const open = views.filter((view) => view.is_open).length;
  const lines = [
    "<directories>",
    "<file_limits>",
    `- current_files_open=${open}`,
    `- max_files_open=${limits.maxFilesOpen}`,
    "</file_limits>",
  ];
  for (const source of sources) {
    lines.push(`<directory name="${source.name}">`);
    if (source.description) lines.push(`<description>${source.description}</description>`);
    if (source.instructions) lines.push(`<instructions>${source.instructions}</instructions>`);
    const files = views
      .filter((view) => view.source_id === source.id)
      .sort((a, b) => (a.file_name < b.file_name ? -1 : a.file_name > b.file_name ? 1 : 0));
    for (const view of files) {
      lines.push(`<file status="${view.is_open ? "open" : "closed"}" name="${view.file_name}">`);
      if (view.is_open) {
        const visible = view.visible_content ?? "";
        lines.push(
          "<metadata>",
          "- read_only=true",
          `- chars_current=${visible.length}`,
          `- chars_limit=${limits.charLimit}`,
          "</metadata>",
          "<value>",
          visible,
          "</value>",
        );
      }
      lines.push("</file>");
    }
    lines.push("</directory>");
  }
  lines.push("</directories>");
  return lines.join("\n");
}
