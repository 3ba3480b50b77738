import { lookup as dnsLookup } from "node:dns/promises";
import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { type AddressPolicy, PUBLIC_ONLY, refusedAddress } from "./address-policy.js";

/** Resolves a host name to every address it has (the DNS port; tests inject their own). */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** How {@link fetchGuarded} may fetch. */
export interface FetchLimits {
  policy: AddressPolicy;
  /** Largest body accepted, after decompression (bytes). */
  maxBytes: number;
  /** Time allowed for the whole fetch, redirects included (ms). */
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  resolve?: ResolveHost | undefined;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  policy: PUBLIC_ONLY,
  maxBytes: 5 * 1024 * 1024,
  timeoutMs: 30_000,
  maxRedirects: 5,
  userAgent: "Mozilla/5.0 (compatible; Reverie fetch_webpage)",
};

/** A fetched response: where it finally came from, its status, content type and raw body. */
export interface FetchedResponse {
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
}

/** A fetch refused or failed for a reason the model should read (never a server fault). */
export class FetchRefusedError extends Error {
  override name = "FetchRefusedError";
  /** Whether the host's name did not resolve (rather than resolving to a refused address). */
  unresolved = false;
}

function unresolvedHost(message: string): FetchRefusedError {
  const error = new FetchRefusedError(message);
  error.unresolved = true;
  return error;
}

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * GETs a URL the way an untrusted caller may: only http(s); the host is resolved once and every
 * address checked against the policy; the connection goes to that checked address (a second DNS
 * answer cannot swap it, which defeats DNS rebinding); redirects are followed by hand so each hop is
 * checked again; the body is capped in size after decompression, and the whole fetch in time.
 */
export async function fetchGuarded(target: string, limits: FetchLimits): Promise<FetchedResponse> {
  let url = parseUrl(target);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  for (let hop = 0; ; hop++) {
    const address = await checkedAddress(url, limits.policy, limits.resolve);
    const response = await send(url, address, limits, signal);
    const location = response.headers.location;
    if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
      response.destroy();
      if (hop >= limits.maxRedirects) {
        throw new FetchRefusedError(`too many redirects (more than ${limits.maxRedirects})`);
      }
      url = parseUrl(new URL(location, url).toString());
      continue;
    }
    const body = await readCapped(response, limits.maxBytes, signal);
    return {
      url: url.toString(),
      status: response.statusCode ?? 0,
      contentType: String(response.headers["content-type"] ?? ""),
      body,
    };
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchRefusedError(`'${text}' is not a valid URL; give an absolute http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchRefusedError(`only http:// and https:// URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new FetchRefusedError("URLs with credentials are not fetched");
  return url;
}

/**
 * The address to connect to: the host's own if it is an IP, else its first resolved one; every one is
 * checked against the policy. `allowWith` names what lifts the refusal (for the message).
 */
export async function checkedAddress(
  url: URL,
  policy: AddressPolicy,
  resolve: ResolveHost | undefined,
  allowWith = "REVERIE_FETCH_ALLOW_PRIVATE",
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Array<{ address: string; family: number }>;
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await (resolve ?? systemResolve)(host);
    } catch (error) {
      throw unresolvedHost(`could not resolve ${host}: ${(error as Error).message}`);
    }
    if (addresses.length === 0) throw unresolvedHost(`could not resolve ${host}: no addresses`);
  }
  // One private answer among public ones is enough to refuse: the host is not trustworthy.
  for (const { address } of addresses) {
    const reason = refusedAddress(address, policy);
    if (reason) {
      throw new FetchRefusedError(
        `refusing to fetch ${url.host}: ${address} is ${reason} (set ${allowWith} to allow it)`,
      );
    }
  }
  return addresses[0]!;
}

/** A DNS lookup that always answers the checked address, so a second DNS answer cannot swap it. */
export function pinnedLookup(pinned: { address: string; family: number }): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

function send(
  url: URL,
  pinned: { address: string; family: number },
  limits: FetchLimits,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // The socket connects to the checked address whatever the resolver would answer now.
  const lookup = pinnedLookup(pinned);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        agent: false,
        lookup,
        signal,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        headers: {
          "user-agent": limits.userAgent,
          accept: "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
          "accept-encoding": "gzip, deflate, br",
        },
      },
      resolve,
    );
    outgoing.on("error", (error) => reject(fetchError(error, url, limits)));
    outgoing.end();
  });
}

function fetchError(error: Error, url: URL, limits: FetchLimits): Error {
  if (error.name === "AbortError" || error.name === "TimeoutError") {
    return new FetchRefusedError(`fetching ${url.host} took longer than ${limits.timeoutMs / 1000} s`);
  }
  return new FetchRefusedError(`could not fetch ${url.toString()}: ${error.message}`);
}

/** The stream that undoes a response's `content-encoding` (gzip, deflate, br), or undefined for none. */
export function contentDecoder(contentEncoding: string): Transform | undefined {
  const encoding = contentEncoding.trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip();
  if (encoding === "deflate") return createInflate();
  if (encoding === "br") return createBrotliDecompress();
  return undefined;
}

/** The body, decompressed, refused as soon as it grows past `maxBytes` (so a zip bomb stops early). */
async function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  const tooLarge = () =>
    new FetchRefusedError(`the page is larger than ${Math.round(maxBytes / 1024)} KB, the fetch limit`);
  const decoder = contentDecoder(String(response.headers["content-encoding"] ?? ""));
  if (!decoder && Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const stream = decoder ? response.pipe(decoder) : response;
  if (decoder) response.on("error", (error) => decoder.destroy(error));
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      if (signal.aborted) throw signal.reason;
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FetchRefusedError) throw error;
    const name = (error as Error).name;
    if (name === "AbortError" || name === "TimeoutError" || signal.aborted) {
      throw new FetchRefusedError("the page took too long to download");
    }
    throw new FetchRefusedError(`could not read the page: ${(error as Error).message}`);
  } finally {
    response.destroy();
    decoder?.destroy();
  }
  return Buffer.concat(chunks);
}
