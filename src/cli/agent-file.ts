import { readFile, writeFile } from "node:fs/promises";
import type { Reverie } from "../reverie.js";
import { CliError, defineCommand } from "./command.js";
import { resolveLocalAgent, withLocalReverie } from "./local-reverie.js";
import { createProgressBar, type ProgressBar } from "./progress.js";

/** Below this many entities an import is quick enough to need no progress bar. */
const PROGRESS_THRESHOLD = 200;

/** `reverie export`: writes an agent's Agent File to a file or to stdout. */
export const exportCommand = defineCommand({
  name: "export",
  summary: "Write an agent (and its sleep-time agent) as an Agent File (.af).",
  description: "Works on the local database (REVERIE_HOME / REVERIE_DATABASE_URL); secrets are blanked.",
  args: [{ name: "agent", description: "the agent's id, or its name when no other agent has it" }],
  flags: {
    output: {
      type: "string",
      short: "o",
      placeholder: "file.af",
      description: "write here instead of stdout",
    },
    history: { type: "boolean", description: "include every message, not only those in context" },
    "scrub-messages": { type: "boolean", description: "leave out the messages altogether" },
  },
  async run({ flags, args: [agent] }) {
    return withLocalReverie(async (reverie) => {
      const agentId = await resolveLocalAgent(reverie, agent as string);
      const file = await reverie.services.agentFiles.export(agentId, {
        includeHistory: flags.history,
        scrubMessages: flags["scrub-messages"],
      });
      const text = `${JSON.stringify(file, null, 2)}\n`;
      if (flags.output === undefined) {
        process.stdout.write(text);
        return 0;
      }
      try {
        await writeFile(flags.output, text);
      } catch (error) {
        throw new CliError(`cannot write ${flags.output}: ${(error as Error).message}`);
      }
      const messages = file.agents.reduce((sum, entry) => sum + (entry.messages?.length ?? 0), 0);
      console.error(
        `Exported ${file.agents.length} agent(s), ${file.blocks.length} block(s), ${file.tools.length} tool(s) and ${messages} message(s) to ${flags.output}`,
      );
      return 0;
    });
  },
});

/** `reverie import`: creates the agents of an Agent File and prints their ids. */
export const importCommand = defineCommand({
  name: "import",
  summary: "Create the agents of an Agent File (v2, or Letta's legacy v1).",
  description: "Prints the id of each agent created, one per line.",
  args: [{ name: "file.af", description: "the Agent File to read" }],
  flags: {
    name: { type: "string", description: "name of the imported agent" },
    model: { type: "string", placeholder: "handle", description: "use this model (provider/model)" },
    embedding: { type: "string", placeholder: "handle", description: "use this embedding model" },
    "strip-messages": { type: "boolean", description: "import without the message history" },
    "keep-existing-tools": {
      type: "boolean",
      description: "keep tools already on this server instead of overwriting them with the file's",
    },
  },
  async run({ flags, args: [path] }) {
    let text: string;
    try {
      text = await readFile(path as string, "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
    }
    return withLocalReverie(async (reverie: Reverie) => {
      let bar: ProgressBar | undefined;
      const result = await reverie.services.agentFiles.import(text, {
        name: flags.name,
        model: flags.model,
        embedding: flags.embedding,
        stripMessages: flags["strip-messages"],
        overrideExistingTools: !flags["keep-existing-tools"],
        onProgress: (done, total) => {
          if (bar === undefined && total >= PROGRESS_THRESHOLD) bar = createProgressBar("Importing", total);
          bar?.update(done, total);
        },
      });
      bar?.finish();
      for (const note of result.notes) console.error(`note: ${note}`);
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      for (const id of result.agent_ids) console.log(id);
      return 0;
    });
  },
});
