import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

const COMPRESSIBLE = new Set([
  ".html",
  ".js",
  ".mjs",
  ".css",
  ".json",
  ".webmanifest",
  ".svg",
  ".txt",
  ".map",
]);

/** A file read once and kept, with its gzip form when worth sending. */
interface CachedFile {
  body: Uint8Array;
  gzip: Uint8Array | undefined;
  type: string;
  etag: string;
}

/** How a file of the directory is cached by browsers. */
export type CachePolicy = (relativePath: string) => string;

/**
 * Serves the files of one directory (read once, kept in memory, gzipped when the client accepts it),
 * refusing any path that leaves it. `lookup` resolves to undefined when there is no such file.
 */
export function createStaticFiles(directory: string, cacheControl: CachePolicy) {
  const cache = new Map<string, CachedFile | null>();

  async function load(relativePath: string): Promise<CachedFile | undefined> {
    const cached = cache.get(relativePath);
    if (cached !== undefined) return cached ?? undefined;
    const path = join(directory, relativePath);
    let file: CachedFile | null = null;
    try {
      if ((await stat(path)).isFile()) {
        const body = new Uint8Array(await readFile(path));
        const extension = extname(path).toLowerCase();
        const gzip =
          COMPRESSIBLE.has(extension) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
        const type = CONTENT_TYPES[extension] ?? "application/octet-stream";
        file = { body, gzip, type, etag: `"${body.length.toString(36)}-${hash(body)}"` };
      }
    } catch {
      file = null;
    }
    cache.set(relativePath, file);
    return file ?? undefined;
  }

  return {
    /** The response for `requestPath` (relative to the directory), or undefined when it has no file. */
    async respond(c: Context, requestPath: string): Promise<Response | undefined> {
      const relativePath = safeRelative(requestPath);
      if (relativePath === undefined) return undefined;
      const file = await load(relativePath);
      if (file === undefined) return undefined;
      const headers: Record<string, string> = {
        "content-type": file.type,
        "cache-control": cacheControl(relativePath),
        etag: file.etag,
        vary: "accept-encoding",
        "x-content-type-options": "nosniff",
      };
      if (c.req.header("if-none-match") === file.etag) return new Response(null, { status: 304, headers });
      const useGzip = file.gzip !== undefined && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
      if (useGzip) headers["content-encoding"] = "gzip";
      const body = useGzip ? file.gzip : file.body;
      return new Response(c.req.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>), {
        status: 200,
        headers,
      });
    },
  };
}

/** The request path as a path inside the directory, or undefined for one that escapes it. */
function safeRelative(requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const normalized = normalize(`/${decoded}`).slice(1);
  if (normalized.startsWith("..") || normalized.split(sep).includes("..")) return undefined;
  // Hidden files (.env, .git...) are never served.
  if (normalized.split(sep).some((part) => part.startsWith("."))) return undefined;
  return normalized;
}

/** A short FNV-1a hash of the content, for the ETag. */
function hash(bytes: Uint8Array): string {
  let value = 0x811c9dc5;
  for (const byte of bytes) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value.toString(36);
}
