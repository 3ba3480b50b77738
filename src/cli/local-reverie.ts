import type { AgentRecord } from "../domain/index.js";
import type { Reverie } from "../reverie.js";
import { CliError } from "./command.js";

/**
 * Runs `work` on the local store, as commands that work beside a running server do: no background
 * worker, and that server's runs are left alone. Closes the store whatever happens.
 */
export async function withLocalReverie<T>(work: (reverie: Reverie) => Promise<T>): Promise<T> {
  const { openReverie } = await import("../reverie.js");
  const reverie = await openReverie({ worker: false, recoverRuns: false });
  try {
    return await work(reverie);
  } finally {
    await reverie.close();
  }
}

/** The agent with this id, or the one agent with this exact name. */
export async function findLocalAgent(reverie: Reverie, reference: string): Promise<AgentRecord> {
  const byId = await reverie.store.agents.get(reference);
  if (byId) return byId;
  const named = await reverie.store.agents.list({ name: reference, limit: 2 });
  if (named.length === 1 && named[0]) return named[0];
  if (named.length > 1) throw new CliError(`several agents are named '${reference}': give the agent's id`);
  throw new CliError(`no agent with id or name '${reference}'`);
}

/** The id of {@link findLocalAgent}'s agent. */
export async function resolveLocalAgent(reverie: Reverie, reference: string): Promise<string> {
  return (await findLocalAgent(reverie, reference)).id;
}
