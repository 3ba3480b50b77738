import { setTimeout as sleep } from "node:timers/promises";
import { type Job, ReverieError, randomIds, systemClock } from "../domain/index.js";
import { providerConfigFromEnv } from "../llm/provider-config.js";
import type { Reverie } from "../reverie.js";
import { enqueueReembed, REEMBED_JOB } from "../runtime/reembed/reembed-job.js";
import { CliError, defineCommand } from "./command.js";
import { findLocalAgent, withLocalReverie } from "./local-reverie.js";
import { createProgressBar } from "./progress.js";

/** How often the job's progress is read. */
const POLL_MS = 200;

/**
 * `reverie reembed <agent> [--model <handle>]`: switches the agent's embedding model (with `--model`)
 * or re-checks it with its current one, then follows the durable `reembed_agent` job with a progress
 * bar until it ends. This process works on the job itself; when a running server's worker holds it,
 * the bar follows that server's progress instead, and takes over if the server stops.
 */
export const reembedCommand = defineCommand({
  name: "reembed",
  summary: "Re-embed an agent's passages and messages, switching its embedding model with --model.",
  description:
    "Follows the durable re-embedding job with a progress bar; when a running server's worker has\ntaken the job, follows that server's progress instead.",
  args: [{ name: "agent", description: "the agent's id, or its name when no other agent has it" }],
  flags: {
    model: {
      type: "string",
      short: "m",
      placeholder: "handle",
      description: "the new embedding model (provider/model); default: the agent's current one",
    },
  },
  async run({ flags, args: [agent] }) {
    return withLocalReverie((reverie) => reembed(reverie, agent as string, flags.model));
  },
});

async function reembed(reverie: Reverie, agentArg: string, model: string | undefined): Promise<number> {
  const { store, services } = reverie;
  const agent = await findLocalAgent(reverie, agentArg);
  const handle = model ?? agent.embedding_config?.handle ?? undefined;
  if (handle === undefined) {
    throw new CliError(`agent '${agent.name}' has no embedding model; pass --model <handle>`);
  }
  // Refused here rather than by a job that would retry for minutes without credentials.
  const provider = handle.split("/")[0] ?? "";
  if (!reverie.models.configuredProviders().includes(provider)) {
    throw new CliError(
      `provider '${provider}' is not configured (set its API key or base URL, see the README)`,
    );
  }
  if (model !== undefined) {
    try {
      // One embedding first: a model that cannot embed (unknown, wrong size, refused) is reported
      // before the agent is switched to it.
      const config = await reverie.models.resolveEmbedding(model);
      const { createEmbedder } = await import("../llm/providers/embeddings.js");
      await createEmbedder({ providers: providerConfigFromEnv(process.env) }).embed(["probe"], config);
      // Switching the model enqueues the job in the same transaction (see the agent service).
      await services.agents.update(agent.id, { embedding: model });
    } catch (error) {
      if (!(error instanceof ReverieError)) throw error;
      throw new CliError(error.message);
    }
  }
  const current = (await store.agents.get(agent.id))?.embedding_config ?? null;
  if (current === null) throw new Error(`agent '${agent.name}' lost its embedding model`);
  const { job } = await enqueueReembed(store, { clock: systemClock, ids: randomIds }, agent.id);
  const label = current.handle ?? current.embedding_model;
  const bar = createProgressBar(`re-embedding ${agent.name} with ${label}`, 0);
  const finished = await follow(reverie, job.id, (latest) => {
    const progress = latest.progress as { done?: unknown; total?: unknown } | null;
    if (typeof progress?.done === "number" && typeof progress.total === "number") {
      bar.update(progress.done, progress.total);
    }
  });
  if (finished.status !== "succeeded") {
    bar.finish();
    throw new CliError(`the job ${finished.status}: ${finished.last_error ?? "no reason given"}`);
  }
  const result = finished.result as { passages?: number; messages?: number; skipped?: string } | null;
  bar.finish(
    result?.skipped ??
      `Re-embedded ${result?.passages ?? 0} passages and ${result?.messages ?? 0} messages of ${agent.name} with ${label}.`,
  );
  return 0;
}

/**
 * Runs due re-embedding jobs in this process until the one followed ends; when another process holds
 * it (a running server), waits and watches. Reports each reading of the job.
 */
async function follow(reverie: Reverie, jobId: string, report: (job: Job) => void): Promise<Job> {
  const { store, services } = reverie;
  let lastError: string | null = null;
  const read = async () => {
    const job = await store.jobs.get(jobId);
    if (job === undefined) throw new Error(`job ${jobId} disappeared`);
    report(job);
    if (job.status === "queued" && job.last_error && job.last_error !== lastError) {
      lastError = job.last_error;
      process.stderr.write(`\nattempt ${job.attempts} failed (${job.last_error}); retrying\n`);
    }
    return job;
  };
  for (;;) {
    let draining = true;
    const drain = services.jobs.drain({ kinds: [REEMBED_JOB] }).finally(() => {
      draining = false;
    });
    while (draining) {
      await Promise.race([drain, sleep(POLL_MS)]);
      await read();
    }
    await drain;
    const job = await read();
    if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
    await sleep(POLL_MS);
  }
}
