import { parseArgs } from "node:util";
import { openReverie } from "../reverie.js";
import { createApp } from "../server/app.js";
import { startServer } from "../server/serve.js";
import { REVERIE_VERSION } from "../version.js";
import { exportCommand, importCommand } from "./agent-file.js";
import { benchCommand } from "./bench/bench-command.js";
import { modelsCommand } from "./models.js";
import { reembedCommand } from "./reembed.js";

const USAGE = `Usage: reverie <command> [options]

Commands:
  server [--port 8283] [--host 127.0.0.1]   start the Letta-compatible API server
  reembed <agent> [--model <handle>]        re-embed an agent's memory (switching model with --model)
  export <agent> [-o file.af] [--history]   write an agent (and its sleep-time agent) as an Agent File
  import <file.af> [--name] [--model]       create the agents of an Agent File (v2 or legacy v1)
  models list|pull <model>                  local embedding models (list, download with progress)
  bench locomo --model <handle> [--judge]   end-to-end question answering on LoCoMo, judged by an LLM
  version                                   print the version

Configuration comes from the environment: REVERIE_HOME, REVERIE_DATABASE_URL,
OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ... (see the README).`;

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "server":
      return serve(rest);
    case "reembed":
      return reembedCommand(rest);
    case "export":
      return exportCommand(rest);
    case "import":
      return importCommand(rest);
    case "models":
      return modelsCommand(rest);
    case "bench":
      return benchCommand(rest);
    case "version":
    case "--version":
    case "-v":
      console.log(REVERIE_VERSION);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`reverie: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

async function serve(argv: readonly string[]): Promise<number> {
  let values: { port?: string; host?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: "string", short: "p" }, host: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`reverie server: ${(error as Error).message}`);
    return 2;
  }
  const port = Number(values.port ?? process.env.REVERIE_PORT ?? 8283);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`reverie server: --port must be an integer between 0 and 65535, got '${values.port}'`);
    return 2;
  }
  const host = values.host ?? process.env.REVERIE_HOST ?? "127.0.0.1";

  const reverie = await openReverie();
  const app = createApp({
    services: reverie.services,
    registry: reverie.models,
    version: { letta: "0.16.8", reverie: REVERIE_VERSION },
  });
  const server = await startServer({ app, port, host });
  console.log(
    `Reverie ${REVERIE_VERSION} listening on ${server.url} (database: ${redact(reverie.databaseUrl)})`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await reverie.close();
  return 0;
}

/** Hides a password in a database URL before printing it. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
