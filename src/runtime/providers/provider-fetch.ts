import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import { ReverieError } from "../../domain/index.js";
import type { AddressPolicy } from "../tools/web/address-policy.js";
import {
  checkedAddress,
  contentDecoder,
  FetchRefusedError,
  pinnedLookup,
  type ResolveHost,
} from "../tools/web/guarded-fetch.js";

/** The setting that lets organizations' providers reach non-public addresses. */
export const PROVIDER_ALLOW_SETTING = "REVERIE_PROVIDER_ALLOW_PRIVATE";

/** How an organization's provider may be reached. */
export interface ProviderNetwork {
  /** Which addresses its base URL may point at (`REVERIE_PROVIDER_ALLOW_PRIVATE`; default public only). */
  policy: AddressPolicy;
  /** The DNS port (tests inject their own). */
  resolve?: ResolveHost | undefined;
}

const MAX_REDIRECTS = 5;
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the endpoints an organization configured (model calls, embeddings, model listings,
 * checks): the same guard as `fetch_webpage`'s. The host is resolved once, every address is checked
 * against the policy, the socket connects to the checked address (so DNS rebinding cannot swap it), and
 * each redirect is checked again. A refusal rejects with a TypeError, as fetch does for a network failure,
 * whose message names the address and the setting that allows it.
 */
export function createProviderFetch(network: ProviderNetwork): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    let url = new URL(request.url);
    let method = request.method;
    let body: Buffer | undefined =
      request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const headers = new Headers(request.headers);
    for (let hop = 0; ; hop++) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new TypeError(`fetch failed: ${url.protocol} URLs are not followed`);
      }
      let pinned: { address: string; family: number };
      try {
        pinned = await checkedAddress(url, network.policy, network.resolve, PROVIDER_ALLOW_SETTING);
      } catch (error) {
        throw new TypeError((error as Error).message, { cause: error });
      }
      const message = await send(url, pinned, { method, headers, body, signal: request.signal });
      const status = message.statusCode ?? 0;
      const location = message.headers.location;
      if (status >= 300 && status < 400 && location && request.redirect === "follow") {
        message.resume();
        if (hop >= MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        // As fetch does: a 303 (or a 301/302 of a POST) becomes a GET without a body.
        if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          headers.delete("content-type");
          headers.delete("content-length");
        }
        continue;
      }
      return toResponse(message, status);
    }
  };
}

function send(
  url: URL,
  pinned: { address: string; family: number },
  outgoing: { method: string; headers: Headers; body: Buffer | undefined; signal: AbortSignal },
): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {};
  outgoing.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (outgoing.body !== undefined) headers["content-length"] = String(outgoing.body.length);
  return new Promise((resolve, reject) => {
    const client = request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: outgoing.method,
        agent: false,
        lookup: pinnedLookup(pinned),
        signal: outgoing.signal,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        headers,
      },
      resolve,
    );
    client.on("error", (error) => {
      if (outgoing.signal.aborted) reject(outgoing.signal.reason ?? error);
      else reject(new TypeError(`fetch failed: ${error.message}`, { cause: error }));
    });
    client.end(outgoing.body);
  });
}

/** The web Response of a node response, its body decoded when the server compressed it anyway. */
function toResponse(message: IncomingMessage, status: number): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  if (NULL_BODY_STATUSES.has(status)) {
    message.resume();
    return new Response(null, { status, statusText: message.statusMessage ?? "", headers });
  }
  const decoder = contentDecoder(headers.get("content-encoding") ?? "");
  let stream: Readable = message;
  if (decoder) {
    headers.delete("content-encoding");
    headers.delete("content-length");
    message.on("error", (error) => decoder.destroy(error));
    stream = message.pipe(decoder);
  }
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    status,
    statusText: message.statusMessage ?? "",
    headers,
  });
}

/** Whether an error came from the guard's refusal (for messages that say what to set). */
export function isAddressRefusal(error: unknown): boolean {
  return error instanceof TypeError && error.cause instanceof FetchRefusedError;
}

/**
 * Refuses (422) a base URL whose host is, or resolves to, an address the policy does not allow, before
 * anything is stored or asked. A name that does not resolve now passes: the call-time guard decides
 * when it does (and `check` says whether it answers).
 */
export async function checkProviderAddress(baseUrl: string, network: ProviderNetwork): Promise<void> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return; // the shape check (checkBaseUrl) reports a malformed URL
  }
  try {
    await checkedAddress(url, network.policy, network.resolve, PROVIDER_ALLOW_SETTING);
  } catch (error) {
    if (error instanceof FetchRefusedError && error.unresolved) return;
    throw new ReverieError("validation", `Invalid body: base_url: ${(error as Error).message}`);
  }
}
