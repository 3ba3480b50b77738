import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError, defineCommand, UsageError } from "./command.js";
import { startedByNpm, watchParent } from "./parent-watch.js";
import { DEFAULT_PORT, parsePort, startReverieServer } from "./server.js";

/** Chromium-family browsers, in the order tried; each can open a URL as an app window (`--app=`). */
const APP_BROWSERS = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
  "microsoft-edge",
  "microsoft-edge-stable",
  "brave-browser",
];

/** `reverie open`: the Memory Palace in its own window, starting the server first when none answers. */
export const openCommand = defineCommand({
  name: "open",
  summary: "Open the Memory Palace web app, starting the server if it is not running.",
  description: [
    "Opens the app in a Chromium-family browser's app window (--app=URL: its own window, like the",
    "installed app) when one is found (REVERIE_BROWSER names another), else in the default browser.",
    "When no server answers at the URL, starts one in this process (Ctrl-C stops it).",
  ].join("\n"),
  flags: {
    url: {
      type: "string",
      placeholder: "url",
      description: "the server to open (default: http://127.0.0.1:<port>)",
    },
    port: {
      type: "string",
      short: "p",
      description: `port of the local server (default: REVERIE_PORT or ${DEFAULT_PORT})`,
    },
    "print-only": {
      type: "boolean",
      description: "print the app's URL instead of opening a browser",
    },
  },
  async run({ flags }) {
    if (flags.url !== undefined && flags.port !== undefined)
      throw new UsageError("give --url or --port, not both");
    const port = parsePort(flags.port ?? process.env.REVERIE_PORT ?? String(DEFAULT_PORT));
    const base = flags.url ?? `http://127.0.0.1:${port}`;
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new UsageError(`--url must be an http(s) URL, got '${base}'`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(`--url must be an http(s) URL, got '${base}'`);
    }

    if (port !== 0 && (await isReverie(url))) {
      await show(url, flags["print-only"] === true);
      return 0;
    }
    if (flags.url !== undefined) throw new CliError(`no Reverie server answers at ${url.origin}`);

    // Nothing answers locally: serve here, then open the app on it.
    const server = await startReverieServer({ port, host: "127.0.0.1" });
    console.log(`Reverie ${server.version} listening on ${server.url} (database: ${server.databaseUrl})`);
    await show(new URL(server.url), flags["print-only"] === true);
    console.log("Ctrl-C stops the server.");
    const reason = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
      if (startedByNpm()) watchParent(() => resolve("npm exited"));
    });
    console.log(`Stopping (${reason})`);
    await server.close();
    return 0;
  },
});

/** Whether a Reverie (or Letta-compatible) server answers `/v1/health` at `url`. */
async function isReverie(url: URL): Promise<boolean> {
  try {
    const response = await fetch(new URL("/v1/health/", url), { signal: AbortSignal.timeout(1500) });
    return response.ok && typeof ((await response.json()) as { status?: unknown }).status === "string";
  } catch {
    return false;
  }
}

async function show(server: URL, printOnly: boolean): Promise<void> {
  const app = new URL("/", server).href;
  if (printOnly) {
    console.log(app);
    return;
  }
  const browser = process.env.REVERIE_BROWSER?.trim() || findOnPath(APP_BROWSERS);
  if (browser) {
    launch(browser, [`--app=${app}`]);
    console.log(`Opened ${app} in ${browser}'s app window.`);
    return;
  }
  const opener = defaultOpener();
  if (opener === undefined) {
    console.log(`No browser found: open ${app} yourself.`);
    return;
  }
  launch(opener.command, [...opener.args, app]);
  console.log(`Opened ${app} in the default browser.`);
}

/** The platform's "open this URL in the default browser" command. */
function defaultOpener(): { command: string; args: string[] } | undefined {
  if (process.platform === "darwin") return { command: "open", args: [] };
  if (process.platform === "win32") return { command: "cmd", args: ["/c", "start", '""'] };
  const xdg = findOnPath(["xdg-open"]);
  return xdg ? { command: xdg, args: [] } : undefined;
}

/** Starts a browser detached from this process: it outlives `reverie open`, and its output is not ours. */
function launch(command: string, args: string[]): void {
  const child = spawn(command, args, { detached: true, stdio: "ignore" });
  child.on("error", (error) => console.error(`reverie open: could not start ${command}: ${error.message}`));
  child.unref();
}

/** The first of `names` that is an executable file on PATH. */
function findOnPath(names: readonly string[]): string | undefined {
  const directories = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const directory of directories) {
      const candidate = join(directory, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
