import type { Clock, ExportedAgentFile, IdGenerator, ImportedAgents } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { Store } from "../../store/store.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { type ExportOptions, exportAgentFile } from "./export.js";
import { type ImportOptions, importAgentFile } from "./import.js";
import { parseAgentFile } from "./parse.js";

/** Agent Files (.af): export an agent (with its group mates) and import a file's agents. */
export interface AgentFileService {
  export(agentId: string, options?: ExportOptions): Promise<ExportedAgentFile>;
  /** Parses and checks the whole file first, then writes everything in one transaction. */
  import(text: string, options?: ImportOptions): Promise<ImportedAgents>;
}

export function createAgentFileService(deps: {
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  wakeJobs?: (() => void) | undefined;
  secretBox: SecretBox;
}): AgentFileService {
  return {
    export: (agentId, options) => exportAgentFile(deps.store, deps.clock, agentId, options),
    import: (text, options) => importAgentFile(deps, parseAgentFile(text), options),
  };
}
