import Letta, { APIError } from "@letta-ai/letta-client";

const KEY_STORAGE = "reverie.apiKey";

/** The API key the user logged in with (kept in this browser), or null. */
export function storedApiKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeApiKey(key: string | null): void {
  if (key === null) localStorage.removeItem(KEY_STORAGE);
  else localStorage.setItem(KEY_STORAGE, key);
}

/** The official Letta client, pointed at the server that served this page. */
export function createClient(apiKey: string | null): Letta {
  return new Letta({
    baseURL: window.location.origin,
    apiKey,
    maxRetries: 1,
    timeout: 60_000,
  });
}

/** What to show for a failed call: the API's `detail` when it sent one, else the error's message. */
export function errorDetail(error: unknown): string {
  if (error instanceof APIError) {
    const body = error.error as { detail?: unknown } | undefined;
    const detail = body?.detail;
    if (typeof detail === "string") return detail;
    if (detail !== undefined) return JSON.stringify(detail);
    if (error.status === undefined) return `Cannot reach the server: ${error.message}`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The HTTP status of a failed call, when there was an answer. */
export function errorStatus(error: unknown): number | undefined {
  return error instanceof APIError ? error.status : undefined;
}

export type { Letta };
