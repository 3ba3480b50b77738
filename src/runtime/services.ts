import type { AgentRecord, Clock, IdGenerator, LettaMessage, Log } from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { Embedder } from "../llm/providers/embeddings.js";
import type { ModelProvider } from "../llm/providers/types.js";
import type { Store } from "../store/store.js";
import { type AgentFileService, createAgentFileService } from "./agent-file/agent-file-service.js";
import { type AfterTurnHook, type AgentLoop, createAgentLoop } from "./agent-loop/agent-loop.js";
import { createTurnLocks, type TurnLocks } from "./agent-loop/turn-locks.js";
import { type AgentService, createAgentService } from "./agent-service.js";
import { type ArchiveService, createArchiveService } from "./archive-service.js";
import {
  type BlockHistoryService,
  createBlockHistoryService,
} from "./block-history/block-history-service.js";
import { type BlockService, createBlockService } from "./block-service.js";
import { type ConversationService, createConversationService } from "./conversation-service.js";
import { type CoreMemoryService, createCoreMemoryService } from "./core-memory-service.js";
import { createFolderService, type FolderService } from "./files/folder-service.js";
import { createFileProcessingHandler } from "./files/processing.js";
import { createIdentityService, type IdentityService } from "./identity-service.js";
import {
  createJobWorker,
  type JobHandler,
  type JobWorker,
  type JobWorkerOptions,
} from "./jobs/job-worker.js";
import { createRunRecovery, type RunRecovery } from "./jobs/run-recovery.js";
import { createMcpClientPool, type McpPoolSettings } from "./mcp/mcp-client-pool.js";
import { createMcpServerService, type McpServerService } from "./mcp/mcp-server-service.js";
import { createMessagingService, type MessagingService } from "./messaging-service.js";
import { createOrganizationModels, type OrganizationModelsDeps } from "./providers/organization-models.js";
import type { ProviderNetwork } from "./providers/provider-fetch.js";
import { createProviderService, type ProviderService } from "./providers/provider-service.js";
import { embedMessagesHandler, messageEmbeddingHook } from "./recall/message-embedding.js";
import { createRecallService, type RecallService } from "./recall/recall-service.js";
import { reembedHandler } from "./reembed/reembed-job.js";
import { createRunService, type RunService, runningRunOfWindow } from "./run-service.js";
import type { Reranker } from "./search/rerank.js";
import { type AgentSecretsPort, createAgentSecretsPort } from "./secrets/agent-secrets.js";
import { createSecretBox, randomSecretKey, type SecretBox } from "./secrets/secret-box.js";
import {
  DEFAULT_SLEEPTIME_SETTINGS,
  type SleeptimeSettings,
  sleeptimeAfterTurn,
  sleeptimeJobHandler,
} from "./sleeptime/sleeptime-jobs.js";
import { createSleeptimeService, type SleeptimeService } from "./sleeptime/sleeptime-service.js";
import { resumeAsyncRunHandler } from "./streaming/resume-async-run.js";
import { createStreamingService, type StreamingService } from "./streaming/streaming-service.js";
import type { CompactionThresholds } from "./summarizer/compactor.js";
import { type ContextService, createContextService } from "./summarizer/context-service.js";
import { createToolService, type ToolService } from "./tool-service.js";
import { type CustomToolRunner, createCustomToolRunner } from "./tools/custom/custom-tool-runner.js";
import { createToolRuns, type ToolRuns } from "./tools/custom/tool-runs.js";
import { createMultiAgentTools } from "./tools/multi-agent/multi-agent-tools.js";
import { createRunCode } from "./tools/run-code/run-code.js";
import type { Sandbox } from "./tools/sandbox/sandbox.js";
import { UnavailableSandbox } from "./tools/sandbox/select-sandbox.js";
import { DEFAULT_FETCH_LIMITS } from "./tools/web/guarded-fetch.js";
import { createWebTools, type WebTools } from "./tools/web/web-tools.js";
import type { CpuPool } from "./workers/cpu-pool.js";

/** What every service is built from. */
export interface ServiceDeps {
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** Calls the models; agents' turns go through it. */
  provider: ModelProvider;
  /** Where failed runs are reported (default: nowhere). */
  log?: Log | undefined;
  /** Embeds archival memory and search queries; without it search is text-only. */
  embedder?: Embedder | undefined;
  /** An optional cross-encoder stage after fusion in recall search (`POST /v1/messages/search`). */
  reranker?: Reranker | undefined;
  /** One turn at a time per agent; by default an in-process registry. */
  locks?: TurnLocks | undefined;
  /** When a request compacts the window first (default: above 90% of the model's context window). */
  compaction?: CompactionThresholds | undefined;
  /** How long a finished run's stream stays replayable from memory (default 5 minutes). */
  streamRetentionMs?: number | undefined;
  /** Settings of the background job worker (lease, poll interval, concurrency, backoff). */
  worker?: Partial<Pick<JobWorkerOptions, "owner" | "concurrency" | "leaseMs" | "pollMs" | "backoffMs">> & {
    /** Pause between two looks for runs a dead replica left unfinished (default 10 s). */
    runRecoveryMs?: number | undefined;
  };
  /** Sleep-time triggers and budgets (idle delay, steps and tokens per run). */
  sleeptime?: Partial<SleeptimeSettings> | undefined;
  /**
   * Seals secrets (agents' secrets, provider keys) at rest. `openReverie` gives the server's key
   * (REVERIE_SECRET_KEY or the data directory's key file); left out, a random key of this process only.
   */
  secretBox?: SecretBox | undefined;
  /**
   * Lets organizations bring their own providers (`/v1/providers`): the configuration `models` and
   * `provider` were built from, and how to build them for another one. Without it every organization
   * uses `models` and `provider` as given.
   */
  organizationModels?: Pick<OrganizationModelsDeps, "baseConfig" | "build"> | undefined;
  /**
   * Which addresses organizations' providers may reach (`REVERIE_PROVIDER_ALLOW_PRIVATE`); default:
   * public addresses only. The server's own providers (environment) are not limited.
   */
  providerNetwork?: ProviderNetwork | undefined;
  /** `fetch_webpage` and `web_search` (default: public pages only, no search provider). */
  web?: WebTools | undefined;
  /** How deep agents may message each other (`REVERIE_MULTI_AGENT_MAX_DEPTH`, default 3). */
  multiAgentMaxDepth?: number | undefined;
  /** Runs tool code (`run_code` here); without it `run_code` answers that no sandbox is set up. */
  sandbox?: Sandbox | undefined;
  /** Worker threads for parsing, chunking and token counting of large inputs; in place without it. */
  cpu?: CpuPool | undefined;
  /** Runs custom tools in the sandbox; without it, custom tools answer that no sandbox is available. */
  customTools?: CustomToolRunner | undefined;
  /** MCP client settings: whether stdio servers may run, pool timeouts. */
  mcp?: McpSettings | undefined;
}

/** How the MCP client behaves (read from the environment at the edge: `REVERIE_MCP_STDIO`). */
export interface McpSettings {
  /** stdio servers run commands on this machine: off unless the operator turns them on. */
  stdioAllowed?: boolean | undefined;
  pool?: Partial<McpPoolSettings> | undefined;
}

/** Every service the server (and the embedded API) uses. */
export interface Services {
  agents: AgentService;
  /** Agent Files (.af): export and import. */
  agentFiles: AgentFileService;
  blocks: BlockService;
  /** Block revisions: history, diffs, restore, undo and redo. */
  blockHistory: BlockHistoryService;
  coreMemory: CoreMemoryService;
  messages: MessagingService;
  runs: RunService;
  tools: ToolService;
  loop: AgentLoop;
  /** Streamed, background and async turns, cancellation and re-attaching to runs' streams. */
  streaming: StreamingService;
  /** Summarization (compaction) of context windows, and their overview. */
  context: ContextService;
  /** Conversations (their own windows), recompiling and resetting windows. */
  conversations: ConversationService;
  models: ModelRegistry;
  /** Archives, passages and hybrid archival search. */
  archives: ArchiveService;
  /** Runs durable background jobs (sleep-time, re-embedding, file processing); started by the host. */
  jobs: JobWorker;
  /** Settles the runs a dead replica left unfinished (PostgreSQL); started by the host with the jobs. */
  runRecovery: RunRecovery;
  /** Folders, their files (upload, processing) and agents' open files. */
  folders: FolderService;
  /** Recall memory search (hybrid, over every agent's or one agent's messages). */
  recall: RecallService;
  /** Sleep-time groups, consolidation on demand and its block diffs. */
  sleeptime: SleeptimeService;
  /** Seals and opens secrets at rest. */
  secretBox: SecretBox;
  /** Agents' secrets in clear: for the tool sandbox only. */
  agentSecrets: AgentSecretsPort;
  /** Custom tool code run on request (`/v1/tools/run`, an agent's tool run outside a turn). */
  toolRuns: ToolRuns;
  /** Organizations' own model providers. */
  providers: ProviderService;
  /** Identities (end users of one tenant) and their agents and blocks. */
  identities: IdentityService;
  /** MCP servers, their tools, and the pooled connections to them (close it at shutdown). */
  mcpServers: McpServerService;
}

/** Builds all services over one set of dependencies. */
export function createServices(given: ServiceDeps): Services {
  const secretBox = given.secretBox ?? createSecretBox(() => [randomSecretKey()]);
  // Every service sees the current organization's models: the server's, plus the organization's own.
  const stack = given.organizationModels
    ? createOrganizationModels({
        ...given.organizationModels,
        base: { models: given.models, provider: given.provider, embedder: given.embedder },
        store: given.store,
        network: given.providerNetwork,
        secretBox,
      })
    : { models: given.models, provider: given.provider, embedder: given.embedder };
  const deps = {
    ...given,
    secretBox,
    models: stack.models,
    provider: stack.provider,
    embedder: stack.embedder,
  };
  const embedder = deps.embedder;
  const locks =
    deps.locks ??
    createTurnLocks(
      deps.store.locks && ((key) => deps.store.locks!.tryAcquire(key)),
      runningRunOfWindow(deps.store),
    );
  // Features add the work they enqueue after each turn, and the handlers of their background jobs.
  const afterTurn: AfterTurnHook[] = [];
  const jobHandlers: JobHandler[] = [];
  const context = createContextService({ ...deps, locks, thresholds: deps.compaction });
  const agentSecrets = createAgentSecretsPort({ store: deps.store, secretBox });
  const customTools = {
    runner:
      deps.customTools ??
      createCustomToolRunner({
        sandbox: new UnavailableSandbox("this server was started without a tool sandbox"),
      }),
    secrets: agentSecrets,
  };
  const mcpServers = createMcpServerService({
    store: deps.store,
    clock: deps.clock,
    ids: deps.ids,
    pool: createMcpClientPool(deps.mcp?.pool),
    secretBox: deps.secretBox,
    stdioAllowed: deps.mcp?.stdioAllowed ?? false,
  });
  const loop = createAgentLoop({
    store: deps.store,
    provider: deps.provider,
    clock: deps.clock,
    ids: deps.ids,
    locks,
    log: deps.log,
    embedderFor: (agent: AgentRecord) => {
      const config = agent.embedding_config;
      return embedder && config ? (texts: string[]) => embedder.embed(texts, config) : undefined;
    },
    web: deps.web ?? createWebTools({ fetch: DEFAULT_FETCH_LIMITS, search: undefined }),
    runCode: deps.sandbox && createRunCode(deps.sandbox),
    // Agent-to-agent messages are turns of the other agent, run like any request's (see `messages`).
    multiAgent: createMultiAgentTools({
      store: deps.store,
      maxDepth: deps.multiAgentMaxDepth,
      turns: {
        send: async (agentId, text) =>
          (await messages.send(agentId, { messages: [{ role: "system", content: text }] })).messages.filter(
            (view): view is LettaMessage => view.message_type !== "error_message",
          ),
        sendAsync: async (agentId, text) => {
          await streaming.startAsync({ agentId }, { messages: [{ role: "system", content: text }] });
        },
      },
    }),
    mcp: mcpServers,
    beforeModelCall: context.beforeModelCall,
    afterTurn,
    customTools,
  });
  const streaming = createStreamingService({ ...deps, loop, locks, retentionMs: deps.streamRetentionMs });
  jobHandlers.push(resumeAsyncRunHandler({ store: deps.store, streaming }));
  if (embedder) {
    // New messages are embedded in the background after each turn; model changes re-embed everything.
    afterTurn.push(messageEmbeddingHook({ ...deps, embedder }));
    jobHandlers.push(embedMessagesHandler({ store: deps.store, embedder }));
    jobHandlers.push(reembedHandler({ store: deps.store, embedder }));
  }
  jobHandlers.push(createFileProcessingHandler({ ...deps, embedder }));
  const sleeptimeSettings = { ...DEFAULT_SLEEPTIME_SETTINGS, ...deps.sleeptime };
  afterTurn.push(sleeptimeAfterTurn({ ...deps, settings: sleeptimeSettings }));
  jobHandlers.push(sleeptimeJobHandler({ ...deps, loop, settings: sleeptimeSettings }));
  const jobs = createJobWorker({
    ...deps.worker,
    store: deps.store,
    clock: deps.clock,
    ids: deps.ids,
    handlers: jobHandlers,
  });
  // JSON sends go through the run registry too, so cancelling them aborts their LLM call.
  const messages = createMessagingService({
    store: deps.store,
    models: deps.models,
    loop: { runTurn: streaming.runTurn },
    repeated: streaming.repeatedResponse,
  });
  return {
    messages,
    runs: createRunService({ store: deps.store }),
    tools: createToolService(deps),
    loop,
    streaming,
    context,
    conversations: createConversationService({ ...deps, locks, context }),
    agents: createAgentService(deps),
    agentFiles: createAgentFileService({ ...deps, wakeJobs: () => jobs.wake() }),
    archives: createArchiveService(deps),
    blocks: createBlockService(deps),
    blockHistory: createBlockHistoryService(deps),
    coreMemory: createCoreMemoryService(deps),
    models: deps.models,
    recall: createRecallService({ store: deps.store, embedder, reranker: deps.reranker }),
    jobs,
    runRecovery: createRunRecovery({
      store: deps.store,
      clock: deps.clock,
      locks,
      intervalMs: deps.worker?.runRecoveryMs,
    }),
    folders: createFolderService({ ...deps, wakeJobs: () => jobs.wake() }),
    sleeptime: createSleeptimeService({ ...deps, settings: sleeptimeSettings }),
    secretBox,
    agentSecrets,
    toolRuns: createToolRuns({ ...deps, executor: customTools }),
    providers: createProviderService(deps),
    identities: createIdentityService({ ...deps, agents: createAgentService(deps) }),
    mcpServers,
  };
}
