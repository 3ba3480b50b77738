import { exportCommand, importCommand } from "./agent-file.js";
import { benchCommand } from "./bench/bench-command.js";
import { type Command, defineCommand } from "./command.js";
import { keysCommand } from "./keys.js";
import { mcpCommand } from "./mcp.js";
import { modelsCommand } from "./models.js";
import { openCommand } from "./open.js";
import { reembedCommand } from "./reembed.js";
import { agentsCommand } from "./remote/agents.js";
import { chatCommand } from "./remote/chat.js";
import { secretsCommand } from "./secrets.js";
import { serverCommand } from "./server.js";

const versionCommand = defineCommand({
  name: "version",
  summary: "Print Reverie's version.",
  flags: {},
  async run() {
    const { REVERIE_VERSION } = await import("../version.js");
    console.log(REVERIE_VERSION);
    return 0;
  },
});

/**
 * Every `reverie` subcommand, in the order `reverie --help` lists them. To add one, define it with
 * `defineCommand` (or `defineGroup` for subcommands) in a module of its own and add it here; the
 * runner gives it `--help`, flag parsing and readable errors, and test/cli checks its help.
 */
export const COMMANDS: Command[] = [
  serverCommand,
  openCommand,
  chatCommand,
  agentsCommand,
  keysCommand,
  importCommand,
  exportCommand,
  reembedCommand,
  modelsCommand,
  mcpCommand,
  secretsCommand,
  benchCommand,
  versionCommand,
];
