import { parseArgs } from "node:util";

/** One flag of a command, as `parseArgs` reads it plus what `--help` shows. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** The value's name in the help: `--port <port>`. Defaults to the flag's name. */
  placeholder?: string;
  description: string;
}

/** One positional argument, for the usage line and the help. */
export interface ArgumentSpec {
  name: string;
  description: string;
  /** Default true. Optional arguments must come after the required ones. */
  required?: boolean;
  /** Takes every remaining argument (only the last one may). */
  variadic?: boolean;
}

type FlagValue<F extends FlagSpec> = F["type"] extends "boolean"
  ? F["multiple"] extends true
    ? boolean[]
    : boolean
  : F["multiple"] extends true
    ? string[]
    : string;

/** The parsed flags of a command: absent flags are undefined. */
export type FlagValues<F extends Record<string, FlagSpec>> = { [K in keyof F]?: FlagValue<F[K]> };

/** What a command's `run` receives. */
export interface CommandInput<F extends Record<string, FlagSpec>> {
  flags: FlagValues<F>;
  /** The positional arguments, in order (a variadic one contributes all the rest). */
  args: string[];
}

/** A leaf command: `reverie server`, `reverie agents list`. */
export interface LeafCommand<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  kind: "leaf";
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** Paragraphs shown after the usage line (what it does, examples, environment variables). */
  description?: string;
  args?: ArgumentSpec[];
  flags: F;
  /** Resolves to the exit code. Throw {@link UsageError} for bad arguments, {@link CliError} for failures. */
  run(input: CommandInput<F>): Promise<number>;
}

/** A command with subcommands: `reverie agents <list|create|delete>`. */
export interface GroupCommand {
  kind: "group";
  name: string;
  summary: string;
  description?: string;
  commands: Command[];
}

export type Command = LeafCommand | GroupCommand;

/** Declares a leaf command with its flags' types inferred for `run`. */
export function defineCommand<F extends Record<string, FlagSpec>>(
  spec: Omit<LeafCommand<F>, "kind">,
): LeafCommand<F> {
  return { kind: "leaf", ...spec };
}

/** Declares a command made of subcommands. */
export function defineGroup(spec: Omit<GroupCommand, "kind">): GroupCommand {
  return { kind: "group", ...spec };
}

/** Bad arguments: the runner prints the message and a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user can act on (a server that does not answer, an unknown agent): message, exit 1. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Where the runner writes help and errors (process streams by default; tests capture them). */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const HELP_FLAG: FlagSpec = { type: "boolean", short: "h", description: "show this help" };

/**
 * Runs `command` with `argv` (the words after its name); `path` is the names leading to it
 * (`["reverie", "agents"]`). `--help`/`-h` anywhere before `--` prints the help and exits 0.
 */
export async function runCommand(
  command: Command,
  argv: readonly string[],
  path: readonly string[],
  output: CliOutput = processOutput,
): Promise<number> {
  const fullPath = [...path, command.name];
  const name = fullPath.join(" ");
  if (command.kind === "group") {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      const text = groupHelp(command, fullPath);
      if (sub === undefined) {
        output.err(`${text}\n`);
        return 2;
      }
      if (sub === "help" && rest.length > 0) return runCommand(command, [...rest, "--help"], path, output);
      output.out(`${text}\n`);
      return 0;
    }
    const child = command.commands.find((candidate) => candidate.name === sub);
    if (child === undefined) {
      output.err(`${name}: unknown command '${sub}'\n\n${groupHelp(command, fullPath)}\n`);
      return 2;
    }
    return runCommand(child, rest, fullPath, output);
  }

  if (wantsHelp(argv)) {
    output.out(`${leafHelp(command, fullPath)}\n`);
    return 0;
  }
  let input: CommandInput<Record<string, FlagSpec>>;
  try {
    input = parseInput(command, argv);
  } catch (error) {
    output.err(
      `${name}: ${parseErrorMessage(error as Error)}\n${usageLine(command, fullPath)}\nRun '${name} --help' for every option.\n`,
    );
    return 2;
  }
  try {
    return await command.run(input);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${name}: ${error.message}\nRun '${name} --help' for every option.\n`);
      return 2;
    }
    if (error instanceof CliError) {
      output.err(`${name}: ${error.message}\n`);
      return error.exitCode;
    }
    // The store's own errors (an unknown agent, a conflict) carry a message fit for the user.
    if (error instanceof Error && error.name === "ReverieError") {
      output.err(`${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Node's parse errors, shortened to what the user needs. */
function parseErrorMessage(error: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `${missing[1]} needs a value`;
  return error.message;
}

function wantsHelp(argv: readonly string[]): boolean {
  for (const word of argv) {
    if (word === "--") return false;
    if (word === "--help" || word === "-h") return true;
  }
  return false;
}

function parseInput(command: LeafCommand, argv: readonly string[]): CommandInput<Record<string, FlagSpec>> {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [flag, spec] of Object.entries(command.flags)) {
    options[flag] = { type: spec.type, multiple: spec.multiple === true };
    if (spec.short !== undefined) options[flag].short = spec.short;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: true,
  });
  const specs = command.args ?? [];
  const required = specs.filter((spec) => spec.required !== false).length;
  const variadic = specs.at(-1)?.variadic === true;
  if (positionals.length < required) {
    const missing = specs[positionals.length];
    throw new Error(`missing <${missing?.name}>`);
  }
  if (!variadic && positionals.length > specs.length) {
    const extra = positionals.slice(specs.length).join(" ");
    throw new Error(`unexpected argument${positionals.length - specs.length > 1 ? "s" : ""} '${extra}'`);
  }
  for (const [flag, value] of Object.entries(values)) {
    if (command.flags[flag]?.type === "string" && value === "") {
      throw new Error(`--${flag} needs a value`);
    }
  }
  return { flags: values as FlagValues<Record<string, FlagSpec>>, args: positionals };
}

function usageLine(command: LeafCommand, path: readonly string[]): string {
  const words = [...path];
  for (const arg of command.args ?? []) {
    const shown = `<${arg.name}>${arg.variadic ? "..." : ""}`;
    words.push(arg.required === false ? `[${shown}]` : shown);
  }
  if (Object.keys(command.flags).length > 0) words.push("[options]");
  return `Usage: ${words.join(" ")}`;
}

/** The full `--help` text of a leaf command: usage, description, arguments and every flag. */
export function leafHelp(command: LeafCommand, path: readonly string[]): string {
  const sections = [usageLine(command, path), command.summary];
  if (command.description) sections.push(command.description);
  const args = command.args ?? [];
  if (args.length > 0) {
    sections.push(`Arguments:\n${table(args.map((arg) => [`<${arg.name}>`, arg.description]))}`);
  }
  const flags = Object.entries({ ...command.flags, help: HELP_FLAG }).map(([flag, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` <${spec.placeholder ?? flag}>` : "";
    return [`${short}--${flag}${value}`, spec.description] as const;
  });
  sections.push(`Options:\n${table(flags)}`);
  return sections.join("\n\n");
}

/** The `--help` text of a group: its subcommands with their summaries. */
export function groupHelp(command: GroupCommand, path: readonly string[]): string {
  const name = path.join(" ");
  const sections = [`Usage: ${name} <command> [options]`, command.summary];
  if (command.description) sections.push(command.description);
  sections.push(`Commands:\n${table(command.commands.map((child) => [child.name, child.summary]))}`);
  sections.push(`Run '${name} <command> --help' for a command's options.`);
  return sections.join("\n\n");
}

/** Two aligned columns, the second wrapped under itself. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows
    .map(([left, right]) => {
      const lines = right.split("\n");
      const rest = lines.slice(1).map((line) => `${" ".repeat(width + 2)}${line}`);
      return [`  ${left.padEnd(width)}${lines[0]}`, ...rest].join("\n");
    })
    .join("\n");
}
