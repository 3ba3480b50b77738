import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { randomIds, systemClock } from "../../src/domain/index.js";
import { createModelRegistry } from "../../src/llm/model-registry.js";
import { createModelProvider } from "../../src/llm/providers/model-provider.js";
import { createTurnLocks, type TurnLocks, turnKey } from "../../src/runtime/agent-loop/turn-locks.js";
import { createServices, type Services } from "../../src/runtime/services.js";
import { upsertBaseTools } from "../../src/runtime/tools/base-tools.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { waitFor } from "../helpers/agent-turns.js";
import { createTestDatabase } from "../helpers/postgres-schema.js";
import { describeOnEachStore } from "../helpers/store-suites.js";

// What a process keeps per run must go when the run ends, however it ends: a soak of thousands of turns
// otherwise grows without bound. The turn locks are the per-window state every kind of send takes.
describeOnEachStore("per-run state after runs finish", (storeKind) => {
  let store: Store;
  let services: Services;
  let locks: TurnLocks;
  let openai: FakeLlmServer;
  let home: string;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-run-state-"));
    let url = join(home, "reverie.db");
    dropDatabase = undefined;
    if (storeKind === "postgres") {
      const database = await createTestDatabase();
      url = database.url;
      dropDatabase = database.drop;
    }
    store = await openStore(url);
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    const databaseLocks = store.locks;
    locks = createTurnLocks(databaseLocks && ((key) => databaseLocks.tryAcquire(key)));
    services = createServices({
      store,
      models: createModelRegistry(providers),
      provider: createModelProvider({ providers, retry: { maxRetries: 0 } }),
      clock: systemClock,
      ids: randomIds,
      locks,
    });
    await upsertBaseTools(store, { clock: systemClock, ids: randomIds });
  });
  afterEach(async () => {
    await services.jobs.stop();
    await openai.close();
    await store.close();
    await dropDatabase?.();
    rmSync(home, { recursive: true, force: true });
  });

  const say = (text: string) => ({ messages: [{ role: "user" as const, content: text }] });

  it("releases the window after plain, streamed, failed and async turns, so the next turn is taken", async () => {
    const agent = await services.agents.create({ name: "cleanup", model: "openai/gpt-4o-mini" });
    const key = turnKey(agent.id, null);
    expect(locks.holder(key)).toBeUndefined();

    openai.script.push({ text: "plain answer" });
    const plain = await services.messages.send(agent.id, say("one"));
    expect(plain.stop_reason.stop_reason).toBe("end_turn");
    expect(locks.holder(key)).toBeUndefined();

    openai.script.push({ text: "streamed answer" });
    const live = await services.streaming.start(
      { agentId: agent.id },
      { ...say("two"), stream_tokens: true },
    );
    const chunks: unknown[] = [];
    for await (const chunk of await services.streaming.follow(live.stream.runId)) chunks.push(chunk);
    await live.settled;
    expect(chunks.length).toBeGreaterThan(0);
    expect(locks.holder(key)).toBeUndefined();

    openai.script.failNext({ fault: "server-error", status: 500, message: "the model broke" });
    const failed = await services.messages.send(agent.id, say("three"));
    expect(failed.stop_reason.stop_reason).not.toBe("end_turn");
    expect(locks.holder(key)).toBeUndefined();

    openai.script.push({ text: "async answer" });
    const run = await services.streaming.startAsync({ agentId: agent.id }, say("four"));
    await waitFor(async () => (await store.runs.get(run.id))?.status === "completed", "the async run to end");
    await waitFor(() => locks.holder(key) === undefined, "the async run to release the window");

    // Nothing left behind: the next turn is taken rather than refused as busy.
    openai.script.push({ text: "still answering" });
    const after = await services.messages.send(agent.id, say("five"));
    expect(after.stop_reason.stop_reason).toBe("end_turn");
    expect(locks.holder(key)).toBeUndefined();
  });
});
