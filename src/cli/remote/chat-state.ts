import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Where `reverie chat` remembers the last agent used on each server: `$REVERIE_HOME/chat.json`. */
export function chatStatePath(env: Record<string, string | undefined> = process.env): string {
  return join(env.REVERIE_HOME?.trim() || join(homedir(), ".reverie"), "chat.json");
}

type ChatState = { lastAgent?: Record<string, string> };

async function readState(path: string): Promise<ChatState> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as ChatState) : {};
  } catch {
    return {}; // missing or unreadable: start afresh rather than fail the chat
  }
}

/** The agent last chatted with on the server at `url`, if any. */
export async function lastAgentFor(url: string, path = chatStatePath()): Promise<string | undefined> {
  return (await readState(path)).lastAgent?.[url];
}

/** Remembers `agentId` as the last agent on `url` (written atomically: a crash leaves the old file). */
export async function rememberAgent(url: string, agentId: string, path = chatStatePath()): Promise<void> {
  const state = await readState(path);
  state.lastAgent = { ...state.lastAgent, [url]: agentId };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}
