import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { createClient, errorDetail, errorStatus, type Letta, storeApiKey, storedApiKey } from "./client";

/** Where the app stands with the server: checked once at start, and again after a login. */
export type ConnectionState =
  | { status: "checking" }
  | { status: "ready"; version: string }
  | { status: "unauthorized"; detail: string }
  | { status: "unreachable"; detail: string };

interface Connection {
  client: Letta;
  state: ConnectionState;
  apiKey: string | null;
  /** Tries `key`; on success keeps it in this browser. Resolves to an error message or null. */
  login(key: string): Promise<string | null>;
  logout(): void;
  retry(): void;
}

const ConnectionContext = createContext<Connection | null>(null);

/**
 * Checks the server before anything renders: `/v1/health` says whether it answers at all, and an
 * authenticated list call whether the key (if any) is accepted, so a wrong key or a dead server
 * gets a screen of its own instead of a page of failing panels.
 */
async function probe(client: Letta): Promise<ConnectionState> {
  // Both at once (one round trip on a first load): health gives the version, the list the key's fate.
  const [health, list] = await Promise.allSettled([
    client.get("/v1/health/") as Promise<{ version?: string; reverie_version?: string }>,
    client.agents.list({ limit: 1 }),
  ]);
  for (const result of [list, health]) {
    if (result.status === "rejected") {
      const status = errorStatus(result.reason);
      if (status === 401 || status === 403)
        return { status: "unauthorized", detail: errorDetail(result.reason) };
      if (status === undefined) return { status: "unreachable", detail: errorDetail(result.reason) };
    }
  }
  const version =
    health.status === "fulfilled" ? (health.value.reverie_version ?? health.value.version ?? "") : "";
  return { status: "ready", version };
}

export function ConnectionProvider({ children }: { children: ReactNode }) {
  const [apiKey, setApiKey] = useState<string | null>(() => storedApiKey());
  const client = useMemo(() => createClient(apiKey), [apiKey]);
  const [state, setState] = useState<ConnectionState>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the probe on retry.
  useEffect(() => {
    let live = true;
    setState({ status: "checking" });
    void probe(client).then((next) => {
      if (live) setState(next);
    });
    return () => {
      live = false;
    };
  }, [client, attempt]);

  const login = useCallback(async (key: string) => {
    const trimmed = key.trim();
    if (trimmed === "") return "Enter an API key.";
    const candidate = createClient(trimmed);
    const result = await probe(candidate);
    if (result.status === "ready") {
      storeApiKey(trimmed);
      setApiKey(trimmed);
      return null;
    }
    return "detail" in result ? result.detail : "The server did not answer.";
  }, []);

  const logout = useCallback(() => {
    storeApiKey(null);
    setApiKey(null);
  }, []);

  const value = useMemo(
    () => ({ client, state, apiKey, login, logout, retry: () => setAttempt((n) => n + 1) }),
    [client, state, apiKey, login, logout],
  );
  return <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>;
}

export function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (connection === null) throw new Error("useConnection outside ConnectionProvider");
  return connection;
}

/** The client, for components under a ready connection. */
export function useClient(): Letta {
  return useConnection().client;
}
