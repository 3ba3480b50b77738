import { type CliOutput, defineGroup, processOutput, runCommand } from "./command.js";
import { COMMANDS } from "./commands.js";

/** The `reverie` command itself: a group of every subcommand. */
export const ROOT_COMMAND = defineGroup({
  name: "reverie",
  summary: "Reverie: a stateful agent server that speaks the Letta v1 API.",
  description: [
    "Configuration comes from the environment: REVERIE_HOME, REVERIE_DATABASE_URL,",
    "OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY... (every variable is in the README).",
  ].join("\n"),
  commands: COMMANDS,
});

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") return main(["version", ...argv.slice(1)], output);
  return runCommand(ROOT_COMMAND, argv, [], output);
}
