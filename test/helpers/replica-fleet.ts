import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedRequest } from "../fake-llm/index.js";
import type { JsonBody } from "./agent-turns.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";

/** An HTTP answer of a server process: its status and parsed JSON body. */
export interface CallResult {
  status: number;
  body: JsonBody;
}

/** Sends one JSON request to a server process and reads the whole answer. */
export async function callServer(
  server: Pick<ServerProcess, "url">,
  method: string,
  path: string,
  body?: unknown,
): Promise<CallResult> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A named `reverie server` process of a fleet. */
export interface Replica extends ServerProcess {
  name: string;
}

/**
 * Real `reverie server` processes on one database, each with its own data directory (replicas are
 * stateless: only the database and the secret key are shared). Each replica calls the model provider
 * with its own API key (`sk-<name>`), so a fake provider can tell which replica made a request.
 */
export interface ReplicaFleet {
  start(name: string): Promise<Replica>;
  /** Which replica sent a recorded provider request (undefined for another caller). */
  senderOf(request: RecordedRequest): string | undefined;
  /** What every replica printed, each under its name (to explain a failure). */
  outputs(): string;
  /** Stops every replica still running (SIGKILL: the tests' own clean-up) and removes the homes. */
  close(): Promise<void>;
}

/** A fleet on `databaseUrl` whose replicas reach the model provider at `providerUrl`. */
export function createReplicaFleet(options: {
  databaseUrl: string;
  providerUrl: string;
  env?: Record<string, string>;
}): ReplicaFleet {
  const secretKey = randomBytes(32).toString("hex");
  const replicas: Replica[] = [];
  const homes: string[] = [];
  return {
    async start(name) {
      const home = mkdtempSync(join(tmpdir(), `reverie-replica-${name}-`));
      homes.push(home);
      const server = await startServerProcess({
        REVERIE_HOME: home,
        REVERIE_DATABASE_URL: options.databaseUrl,
        REVERIE_SECRET_KEY: secretKey,
        OPENAI_API_KEY: `sk-${name}`,
        OPENAI_BASE_URL: options.providerUrl,
        ...options.env,
      });
      const replica = Object.assign(server, { name });
      replicas.push(replica);
      return replica;
    },
    senderOf(request) {
      const match = /^Bearer sk-(.+)$/.exec(String(request.headers.authorization ?? ""));
      return match?.[1];
    },
    outputs() {
      return replicas.map((replica) => `--- replica ${replica.name}:\n${replica.output()}`).join("\n");
    },
    async close() {
      for (const replica of replicas) await replica.stop("SIGKILL");
      for (const home of homes) rmSync(home, { recursive: true, force: true });
    },
  };
}
