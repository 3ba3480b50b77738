import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  type CliOutput,
  type Command,
  defineCommand,
  defineGroup,
  runCommand,
  UsageError,
} from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands.js";
import { main } from "../../src/cli/main.js";
import { REVERIE_BIN } from "../helpers/server-process.js";

const run = promisify(execFile);

function capture(): CliOutput & { stdout: string; stderr: string } {
  const captured = {
    stdout: "",
    stderr: "",
    out(text: string) {
      captured.stdout += text;
    },
    err(text: string) {
      captured.stderr += text;
    },
  };
  return captured;
}

/** Every command path in the table: ["server"], ["agents", "list"], ... */
function leaves(commands: Command[], path: string[] = []): Array<{ path: string[]; command: Command }> {
  return commands.flatMap((command) =>
    command.kind === "group"
      ? [{ path: [...path, command.name], command }, ...leaves(command.commands, [...path, command.name])]
      : [{ path: [...path, command.name], command }],
  );
}

describe("the reverie command table", () => {
  it.each(leaves(COMMANDS).map((entry) => [entry.path.join(" "), entry] as const))(
    "`reverie %s --help` prints its usage and every flag, exit 0",
    async (_name, { path, command }) => {
      const output = capture();
      expect(await main([...path, "--help"], output)).toBe(0);
      expect(output.stderr).toBe("");
      expect(output.stdout).toContain(`Usage: reverie ${path.join(" ")}`);
      expect(output.stdout).toContain(command.summary);
      if (command.kind === "leaf") {
        for (const [flag, spec] of Object.entries(command.flags)) {
          expect(output.stdout).toContain(`--${flag}`);
          if (spec.short) expect(output.stdout).toContain(`-${spec.short}, --${flag}`);
        }
        for (const arg of command.args ?? []) expect(output.stdout).toContain(`<${arg.name}>`);
        expect(output.stdout).toContain("-h, --help");
      } else {
        for (const child of command.commands) expect(output.stdout).toContain(child.name);
      }
    },
  );

  it("lists every command in `reverie --help`, and `reverie help <command>` is `--help`", async () => {
    const output = capture();
    expect(await main(["--help"], output)).toBe(0);
    for (const command of COMMANDS) expect(output.stdout).toContain(command.summary);
    const viaHelp = capture();
    expect(await main(["help", "server"], viaHelp)).toBe(0);
    const viaFlag = capture();
    await main(["server", "-h"], viaFlag);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it("refuses bad arguments with a readable message and exit code 2", async () => {
    const cases: Array<[string[], string]> = [
      [["server", "--bogus"], "reverie server: unknown option '--bogus'"],
      [["server", "--port"], "reverie server: --port needs a value"],
      [["server", "--port", "eighty"], "--port must be an integer between 0 and 65535, got 'eighty'"],
      [["server", "--port", "65536"], "got '65536'"],
      [["server", "--port", "-1"], "reverie server:"],
      [["server", "extra"], "unexpected argument 'extra'"],
      [["export"], "reverie export: missing <agent>"],
      [["import", "a.af", "b.af"], "unexpected argument 'b.af'"],
      [["frobnicate"], "reverie: unknown command 'frobnicate'"],
    ];
    for (const [argv, message] of cases) {
      const output = capture();
      expect(await main(argv, output), argv.join(" ")).toBe(2);
      expect(output.stderr, argv.join(" ")).toContain(message);
      expect(output.stdout).toBe("");
    }
  });

  it("no command prints the list of commands on stderr, exit 2", async () => {
    const output = capture();
    expect(await main([], output)).toBe(2);
    expect(output.stderr).toContain("Commands:");
  });

  it("groups route to subcommands, each with its own help and errors", async () => {
    let received: unknown;
    const list = defineCommand({
      name: "list",
      summary: "List things.",
      args: [{ name: "filter", description: "only these", required: false }],
      flags: { limit: { type: "string", short: "n", description: "at most this many" } },
      async run(input) {
        received = input;
        if (input.flags.limit === "0") throw new UsageError("--limit must be positive");
        return 0;
      },
    });
    const group = defineGroup({ name: "things", summary: "Manage things.", commands: [list] });

    const help = capture();
    expect(await runCommand(group, ["--help"], ["reverie"], help)).toBe(0);
    expect(help.stdout).toContain("Usage: reverie things <command>");
    expect(help.stdout).toMatch(/list\s+List things\./);

    const leafHelp = capture();
    expect(await runCommand(group, ["help", "list"], ["reverie"], leafHelp)).toBe(0);
    expect(leafHelp.stdout).toContain("Usage: reverie things list [<filter>] [options]");
    expect(leafHelp.stdout).toContain("-n, --limit <limit>");

    expect(await runCommand(group, ["list", "red", "-n", "5"], ["reverie"], capture())).toBe(0);
    expect(received).toEqual({ flags: { limit: "5" }, args: ["red"] });

    const bad = capture();
    expect(await runCommand(group, ["list", "-n", "0"], ["reverie"], bad)).toBe(2);
    expect(bad.stderr).toContain("reverie things list: --limit must be positive");

    const unknown = capture();
    expect(await runCommand(group, ["lsit"], ["reverie"], unknown)).toBe(2);
    expect(unknown.stderr).toContain("reverie things: unknown command 'lsit'");

    const bare = capture();
    expect(await runCommand(group, [], ["reverie"], bare)).toBe(2);
    expect(bare.stderr).toContain("Commands:");
  });

  it("`--help` after `--` is an argument, not a request for help", async () => {
    let received: unknown;
    const echo = defineCommand({
      name: "echo",
      summary: "Echo.",
      args: [{ name: "words", description: "words", variadic: true, required: false }],
      flags: {},
      async run(input) {
        received = input.args;
        return 0;
      },
    });
    expect(await runCommand(echo, ["--", "--help"], ["reverie"], capture())).toBe(0);
    expect(received).toEqual(["--help"]);
  });

  it("the installed binary answers `reverie server --help` with exit 0", async () => {
    const { stdout } = await run(process.execPath, [REVERIE_BIN, "server", "--help"]);
    expect(stdout).toContain("Usage: reverie server [options]");
    expect(stdout).toContain("--port <port>");
    const version = await run(process.execPath, [REVERIE_BIN, "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
