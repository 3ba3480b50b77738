import type { Clock, IdGenerator } from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { Store } from "../store/store.js";
import { type AgentService, createAgentService } from "./agent-service.js";
import { type BlockService, createBlockService } from "./block-service.js";
import { type CoreMemoryService, createCoreMemoryService } from "./core-memory-service.js";

/** What every service is built from. */
export interface ServiceDeps {
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
}

/** Every service the server (and the embedded API) uses. */
export interface Services {
  agents: AgentService;
  blocks: BlockService;
  coreMemory: CoreMemoryService;
  models: ModelRegistry;
}

/** Builds all services over one set of dependencies. */
export function createServices(deps: ServiceDeps): Services {
  return {
    agents: createAgentService(deps),
    blocks: createBlockService(deps),
    coreMemory: createCoreMemoryService(deps),
    models: deps.models,
  };
}
