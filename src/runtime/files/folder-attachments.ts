import { type AgentRecord, notFound, type Source } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { findToolsByName } from "../agent-attachments.js";
import { FILE_TOOL_NAMES } from "./file-tools.js";
import { openFileView } from "./file-views.js";

/** The file tools follow folder attachments, as in Letta: present while the agent has a folder. */
export async function syncFileTools(tx: Store, agentId: string): Promise<void> {
  const hasFolders = (await tx.sources.listForAgent(agentId)).length > 0;
  const tools = await findToolsByName(tx, FILE_TOOL_NAMES);
  for (const tool of tools) {
    if (hasFolders) await tx.tools.attach(agentId, tool.id);
    else await tx.tools.detach(agentId, tool.id);
  }
}

/** The folders, in the order given; a 404 naming the first unknown one. */
export async function requireFolders(tx: Store, folderIds: readonly string[]): Promise<Source[]> {
  const folders: Source[] = [];
  for (const folderId of new Set(folderIds)) {
    const folder = await tx.sources.get(folderId);
    if (folder === undefined) throw notFound("Folder", folderId);
    folders.push(folder);
  }
  return folders;
}

/**
 * Attaches a folder inside `tx`: the file tools come with it, and its processed files open, oldest
 * first, so that past the agent's open-file limit the newest stay open (as Letta does on attach).
 */
export async function attachFolder(
  tx: Store,
  agent: AgentRecord,
  source: Source,
  now: string,
): Promise<void> {
  await tx.sources.attach(agent.id, source.id, now);
  await syncFileTools(tx, agent.id);
  const files = await tx.files.list({ source_id: source.id, order: "asc" });
  for (const file of files) {
    if (file.processing_status !== "completed") continue;
    if (await tx.files.getAgentFile(agent.id, file.id)) continue;
    const text = await tx.files.text(file.id);
    if (typeof text === "string") await openFileView(tx, { agent, source, file, text, now });
  }
}

/** Detaches a folder inside `tx`; the file tools go when it was the agent's last folder. */
export async function detachFolder(tx: Store, agentId: string, folderId: string): Promise<void> {
  await tx.sources.detach(agentId, folderId);
  await syncFileTools(tx, agentId);
}

/** Makes the agent's folders exactly `folderIds` (agent create and update with `folder_ids`). */
export async function replaceFolders(
  tx: Store,
  agent: AgentRecord,
  folderIds: readonly string[],
  now: string,
): Promise<void> {
  const wanted = await requireFolders(tx, folderIds);
  const current = await tx.sources.listForAgent(agent.id);
  const wantedIds = new Set(wanted.map((folder) => folder.id));
  const currentIds = new Set(current.map((folder) => folder.id));
  for (const folder of current) if (!wantedIds.has(folder.id)) await detachFolder(tx, agent.id, folder.id);
  for (const folder of wanted) if (!currentIds.has(folder.id)) await attachFolder(tx, agent, folder, now);
}
