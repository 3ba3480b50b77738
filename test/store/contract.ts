import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../src/store/store.js";
import { describeActivityContract } from "./contract-activity.js";
import { describeAgentContract } from "./contract-agents.js";
import { describeApiKeyContract } from "./contract-api-keys.js";
import { describeBlockContract } from "./contract-blocks.js";
import type { ContractContext } from "./contract-context.js";
import { describeFileContract } from "./contract-files.js";
import { describeJobContract } from "./contract-jobs.js";
import { describeMessageContract } from "./contract-messages.js";
import { describePassageContract } from "./contract-passages.js";
import { describeTenancyContract } from "./contract-tenancy.js";
import { describeToolContract } from "./contract-tools.js";
import { describeTransactionContract } from "./contract-transactions.js";
import { createFixtures, type Fixtures } from "./fixtures.js";

/**
 * The behaviour every `Store` adapter must have, dialect-neutral. `openFreshStore` must return an empty,
 * migrated store each time (a new SQLite file, a new PostgreSQL schema...); the suite closes it.
 */
export function describeStoreContract(name: string, openFreshStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | undefined;
    let fixtures: Fixtures | undefined;

    beforeEach(async () => {
      store = await openFreshStore();
      fixtures = createFixtures();
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    const context: ContractContext = {
      get store() {
        if (store === undefined) throw new Error("no store: used outside a test");
        return store;
      },
      get f() {
        if (fixtures === undefined) throw new Error("no fixtures: used outside a test");
        return fixtures;
      },
      openFreshStore,
    };

    describeAgentContract(context);
    describeBlockContract(context);
    describeToolContract(context);
    describeTransactionContract(context);
    describeMessageContract(context);
    describePassageContract(context);
    describeActivityContract(context);
    describeJobContract(context);
    describeFileContract(context);
    describeTenancyContract(context);
    describeApiKeyContract(context);
  });
}
