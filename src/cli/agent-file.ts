import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ReverieError } from "../domain/index.js";
import { openReverie, type Reverie } from "../reverie.js";
import { createProgressBar, type ProgressBar } from "./progress.js";

/** Below this many entities an import is quick enough to need no progress bar. */
const PROGRESS_THRESHOLD = 200;

export const EXPORT_USAGE = `Usage: reverie export <agent id or name> [-o file.af] [--history] [--scrub-messages]`;
export const IMPORT_USAGE =
  "Usage: reverie import <file.af> [--name NAME] [--model HANDLE] [--embedding HANDLE] [--strip-messages] [--keep-existing-tools]";

/** `reverie export`: writes an agent's Agent File to a file or to stdout. */
export async function exportCommand(argv: readonly string[]): Promise<number> {
  let parsed: {
    values: { output?: string; history?: boolean; "scrub-messages"?: boolean };
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        output: { type: "string", short: "o" },
        history: { type: "boolean" },
        "scrub-messages": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`reverie export: ${(error as Error).message}\n${EXPORT_USAGE}`);
    return 2;
  }
  const [agent, ...extra] = parsed.positionals;
  if (agent === undefined || extra.length > 0) {
    console.error(EXPORT_USAGE);
    return 2;
  }
  return withReverie("export", async (reverie) => {
    const agentId = await resolveAgent(reverie, agent);
    const file = await reverie.services.agentFiles.export(agentId, {
      includeHistory: parsed.values.history,
      scrubMessages: parsed.values["scrub-messages"],
    });
    const text = `${JSON.stringify(file, null, 2)}\n`;
    if (parsed.values.output === undefined) {
      process.stdout.write(text);
    } else {
      await writeFile(parsed.values.output, text);
      const messages = file.agents.reduce((sum, entry) => sum + (entry.messages?.length ?? 0), 0);
      console.error(
        `Exported ${file.agents.length} agent(s), ${file.blocks.length} block(s), ${file.tools.length} tool(s) and ${messages} message(s) to ${parsed.values.output}`,
      );
    }
  });
}

/** `reverie import`: creates the agents of an Agent File and prints their ids. */
export async function importCommand(argv: readonly string[]): Promise<number> {
  let parsed: {
    values: {
      name?: string;
      model?: string;
      embedding?: string;
      "strip-messages"?: boolean;
      "keep-existing-tools"?: boolean;
    };
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        name: { type: "string" },
        model: { type: "string" },
        embedding: { type: "string" },
        "strip-messages": { type: "boolean" },
        "keep-existing-tools": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`reverie import: ${(error as Error).message}\n${IMPORT_USAGE}`);
    return 2;
  }
  const [path, ...extra] = parsed.positionals;
  if (path === undefined || extra.length > 0) {
    console.error(IMPORT_USAGE);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    console.error(`reverie import: cannot read ${path}: ${(error as Error).message}`);
    return 1;
  }
  return withReverie("import", async (reverie) => {
    let bar: ProgressBar | undefined;
    const result = await reverie.services.agentFiles.import(text, {
      name: parsed.values.name,
      model: parsed.values.model,
      embedding: parsed.values.embedding,
      stripMessages: parsed.values["strip-messages"],
      overrideExistingTools: !parsed.values["keep-existing-tools"],
      onProgress: (done, total) => {
        if (bar === undefined && total >= PROGRESS_THRESHOLD) bar = createProgressBar("Importing", total);
        bar?.update(done, total);
      },
    });
    bar?.finish();
    for (const note of result.notes) console.error(`note: ${note}`);
    for (const warning of result.warnings) console.error(`warning: ${warning}`);
    for (const id of result.agent_ids) console.log(id);
  });
}

/** Runs `work` on the local store (no background worker), mapping expected failures to exit code 1. */
async function withReverie(command: string, work: (reverie: Reverie) => Promise<void>): Promise<number> {
  const reverie = await openReverie({ worker: false, recoverRuns: false });
  try {
    await work(reverie);
    return 0;
  } catch (error) {
    if (!(error instanceof ReverieError)) throw error;
    console.error(`reverie ${command}: ${error.message}`);
    return 1;
  } finally {
    await reverie.close();
  }
}

/** An agent id, or the id of the one agent with that exact name. */
async function resolveAgent(reverie: Reverie, reference: string): Promise<string> {
  if (await reverie.store.agents.get(reference)) return reference;
  const named = await reverie.store.agents.list({ name: reference, limit: 2 });
  if (named.length === 1 && named[0]) return named[0].id;
  if (named.length > 1) {
    throw new ReverieError("conflict", `Several agents are named '${reference}': give the agent id`);
  }
  throw new ReverieError("not_found", `No agent with id or name '${reference}'`);
}
