/**
 * Cross-origin rules. Browsers attach `Origin` to every cross-origin request and to every
 * same-origin one that is not a GET or HEAD; other clients (the SDKs, curl, letta-code) send none.
 */

/**
 * Parses `REVERIE_CORS_ORIGINS` (comma-separated `scheme://host[:port]`); throws on an entry that is
 * not an http(s) origin, naming it.
 */
export function parseCorsOrigins(text: string | undefined): string[] {
  if (text === undefined) return [];
  const origins: string[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const origin = normalizeOrigin(entry.replace(/\/$/, ""));
    if (origin === null) {
      throw new Error(
        `REVERIE_CORS_ORIGINS: '${entry}' is not an origin like https://app.example.com or http://localhost:5173`,
      );
    }
    origins.push(origin);
  }
  return origins;
}

/** The serialized origin of `value` if it is exactly an http(s) origin, else null. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username !== "" || url.password !== "") return null;
  // Only scheme, host and port: `https://a.example/x` is a URL, not an origin.
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[?#]/.test(value)) return null;
  return url.origin;
}

/** Whether `origin` is the server's own origin: the same host and port the request was sent to. */
export function isSameOrigin(origin: string, requestAuthority: string): boolean {
  const parsed = normalizeOrigin(origin);
  if (parsed === null) return false;
  let own: URL;
  try {
    own = new URL(`${new URL(parsed).protocol}//${requestAuthority}`);
  } catch {
    return false;
  }
  return own.origin === parsed;
}
