import type { Letta } from "@letta-ai/letta-client";
import { CliError, type FlagSpec } from "../command.js";
import { DEFAULT_PORT } from "../server.js";

/** The flags of every command that talks to a server over HTTP. */
export const REMOTE_FLAGS = {
  url: {
    type: "string",
    placeholder: "url",
    description: `the server (default: LETTA_BASE_URL, else http://127.0.0.1:${DEFAULT_PORT})`,
  },
  "api-key": {
    type: "string",
    placeholder: "key",
    description: "API key sent as a Bearer token (default: LETTA_API_KEY)",
  },
} as const satisfies Record<string, FlagSpec>;

/** A client of a running server, checked to answer and to accept the key. */
export interface RemoteServer {
  client: Letta;
  url: string;
}

/**
 * Builds the official Letta client for `--url`/`--api-key` (or LETTA_BASE_URL/LETTA_API_KEY, as
 * letta-code reads them) and checks the server: an unreachable server or a refused key is a readable
 * error here rather than a stack trace later.
 */
export async function connect(flags: { url?: string; "api-key"?: string }): Promise<RemoteServer> {
  const url = (flags.url ?? process.env.LETTA_BASE_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(
    /\/+$/,
    "",
  );
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new CliError(`--url must be an http(s) URL, got '${url}'`, 2);
  }
  const apiKey = flags["api-key"] ?? process.env.LETTA_API_KEY ?? null;
  const { Letta } = await import("@letta-ai/letta-client");
  const client = new Letta({ baseURL: url, apiKey, maxRetries: 0, timeout: 120_000 });
  try {
    await client.get("/v1/health/");
  } catch (error) {
    throw new CliError(
      `cannot reach a Reverie server at ${url} (${describeError(error)}). Start one with 'npm start' or 'reverie server', or pass --url.`,
    );
  }
  try {
    await client.agents.list({ limit: 1 });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      throw new CliError(
        `the server at ${url} refused the API key: ${describeError(error)}. Pass --api-key or set LETTA_API_KEY.`,
      );
    }
    throw new CliError(`the server at ${url} failed: ${describeError(error)}`);
  }
  return { client, url };
}

/** An API error's `detail` (what the server said), else the error's message. */
export function describeError(error: unknown): string {
  const body = (error as { error?: { detail?: unknown; message?: unknown } }).error;
  if (typeof body?.detail === "string") return body.detail;
  if (body?.detail !== undefined) return JSON.stringify(body.detail);
  if (typeof body?.message === "string") return body.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs a call and turns an API failure into a readable {@link CliError}. */
export async function call<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${what}: ${describeError(error)}`);
  }
}

/** The agent with this id, or the one agent with this exact name, on the server. */
export async function findAgent(client: Letta, reference: string) {
  if (reference.startsWith("agent-")) {
    try {
      return await client.agents.retrieve(reference);
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw new CliError(describeError(error));
    }
  }
  const named = (await call("listing agents", () => client.agents.list({ name: reference, limit: 2 })))
    .getPaginatedItems()
    .filter((agent) => agent.name === reference);
  if (named.length === 1 && named[0]) return named[0];
  if (named.length > 1) throw new CliError(`several agents are named '${reference}': give the agent's id`);
  throw new CliError(`no agent with id or name '${reference}'`);
}
