import { AsyncLocalStorage } from "node:async_hooks";
import { type Clock, type IdGenerator, randomIds, systemClock } from "../../domain/index.js";
import type { DatabaseLocks, Store } from "../store.js";
import { createAgentRepository } from "./agent-repository.js";
import { createAgentSecretRepository, createSealedValueRepository } from "./agent-secret-repository.js";
import { createApiKeyRepository } from "./api-key-repository.js";
import { createArchiveRepository } from "./archive-repository.js";
import { createBlockRepository } from "./block-repository.js";
import { createConversationRepository } from "./conversation-repository.js";
import type { SqlDb, SqlDialect } from "./dialect.js";
import { createFileRepository } from "./file-repository.js";
import { createGroupRepository } from "./group-repository.js";
import { createIdentityRepository } from "./identity-repository.js";
import { createJobRepository } from "./job-repository.js";
import { createMcpServerRepository } from "./mcp-server-repository.js";
import { createMessageRepository } from "./message-repository.js";
import { createOrganizationRepository } from "./organization-repository.js";
import { createPassageRepository } from "./passage-repository.js";
import { createProviderRepository } from "./provider-repository.js";
import { createRunRepository } from "./run-repository.js";
import { createSourceRepository } from "./source-repository.js";
import type { SqlContext } from "./sql-context.js";
import { createStepRepository } from "./step-repository.js";
import { createToolRepository } from "./tool-repository.js";

/** What `createSqlStore` assembles a store from. */
export interface SqlStoreOptions {
  db: SqlDb;
  dialect: SqlDialect;
  clock?: Clock;
  ids?: IdGenerator;
  /** Releases the database (the adapter's `close`); a transaction's store never calls it. */
  close?: () => Promise<void>;
  /** Locks across processes, where the database offers them. */
  locks?: DatabaseLocks | undefined;
}

/** A `Store` over a Kysely instance and a dialect: the one implementation both adapters share. */
export function createSqlStore(options: SqlStoreOptions): Store {
  const context: SqlContext = {
    db: options.db,
    dialect: options.dialect,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
  };
  const openTransaction = new AsyncLocalStorage<{ open: boolean }>();
  const repositories = guardRepositories(buildRepositories(context), openTransaction);
  const root: Store = {
    ...repositories,
    dialect: context.dialect.name,
    transaction(fn) {
      if (openTransaction.getStore()?.open) return Promise.reject(misuse("transaction"));
      const state = { open: true };
      return openTransaction.run(state, () =>
        context.db
          .transaction()
          .execute((tx) => fn(transactionStore({ ...context, db: tx })))
          .finally(() => {
            state.open = false;
          }),
      );
    },
    locks: options.locks,
    close: options.close ?? (async () => {}),
  };
  return root;
}

/** The store handed to a transaction's function: nested `transaction` calls join it. */
function transactionStore(context: SqlContext): Store {
  const store: Store = {
    ...buildRepositories(context),
    dialect: context.dialect.name,
    transaction: (fn) => fn(store),
    close: () => Promise.reject(new Error("close() is not available inside a transaction")),
  };
  return store;
}

type Repositories = Omit<Store, "dialect" | "transaction" | "close" | "locks">;

function buildRepositories(context: SqlContext): Repositories {
  return {
    agents: createAgentRepository(context),
    blocks: createBlockRepository(context),
    tools: createToolRepository(context),
    messages: createMessageRepository(context),
    archives: createArchiveRepository(context),
    passages: createPassageRepository(context),
    runs: createRunRepository(context),
    steps: createStepRepository(context),
    conversations: createConversationRepository(context),
    identities: createIdentityRepository(context),
    groups: createGroupRepository(context),
    jobs: createJobRepository(context),
    sources: createSourceRepository(context),
    files: createFileRepository(context),
    organizations: createOrganizationRepository(context),
    apiKeys: createApiKeyRepository(context),
    agentSecrets: createAgentSecretRepository(context),
    sealedValues: createSealedValueRepository(context),
    providers: createProviderRepository(context),
    mcpServers: createMcpServerRepository(context),
  };
}

function misuse(what: string): Error {
  return new Error(
    `store.${what} was called on the root store from inside store.transaction(): use the transaction's store (tx)`,
  );
}

/**
 * Makes the root store's methods refuse calls made from inside one of its open transactions. Such a
 * call would run outside the transaction (PostgreSQL) or wait forever for the one SQLite connection the
 * transaction holds; failing loudly beats both.
 */
function guardRepositories(
  repositories: Repositories,
  openTransaction: AsyncLocalStorage<{ open: boolean }>,
) {
  const guarded: Record<string, unknown> = {};
  for (const [name, repository] of Object.entries(repositories)) {
    const methods: Record<string, unknown> = {};
    for (const [method, implementation] of Object.entries(repository as object) as Array<[string, unknown]>) {
      if (typeof implementation !== "function") continue;
      methods[method] = (...args: unknown[]) =>
        openTransaction.getStore()?.open
          ? Promise.reject(misuse(`${name}.${method}`))
          : (implementation as (...args: unknown[]) => unknown).apply(repository, args);
    }
    guarded[name] = methods;
  }
  return guarded as Repositories;
}
