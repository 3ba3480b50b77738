import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type FakeEndpoint,
  type FakeFault,
  type FakeReply,
  FakeScript,
  isFault,
  type RecordedRequest,
} from "./script.js";

/** How a provider answers a request: a JSON body, a list of SSE frames, or a provider error. */
export type Rendered =
  | { kind: "json"; body: unknown }
  | { kind: "sse"; frames: string[] }
  | { kind: "error"; error: ErrorKind; message?: string };

/** Error situations each provider renders in its own error body. */
export type ErrorKind =
  | "rate-limit"
  | "server-error"
  | "context-overflow"
  | "not-found"
  | "unauthorized"
  | "bad-request";

/** The provider-specific half of a fake server: routing, auth, wire formats. */
export interface ProviderAdapter {
  provider: RecordedRequest["provider"];
  requestIdHeader: string;
  endpointFor(method: string, path: string): FakeEndpoint | undefined;
  isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  errorBody(kind: ErrorKind, status: number, message: string | undefined): unknown;
  render(endpoint: FakeEndpoint, request: RecordedRequest, reply: FakeReply): Rendered;
}

/** A running fake provider. `url` is the base URL including `/v1`. */
export interface FakeLlmServer {
  url: string;
  port: number;
  script: FakeScript;
  /** Every request received, oldest first; cleared in place by `reset()`. */
  requests: RecordedRequest[];
  /** Clears recorded requests and the script. */
  reset(): void;
  /** Stops listening and destroys every connection, including hanging ones. */
  close(): Promise<void>;
}

const STATUS: Record<ErrorKind, number> = {
  "rate-limit": 429,
  "server-error": 500,
  "context-overflow": 400,
  "not-found": 404,
  unauthorized: 401,
  "bad-request": 400,
};

/** Starts a fake provider on 127.0.0.1 with a free port. */
export async function startFakeServer(
  adapter: ProviderAdapter,
  options: { apiKey?: string } = {},
): Promise<FakeLlmServer> {
  const script = new FakeScript();
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let requestCount = 0;

  const sendError = (response: ServerResponse, kind: ErrorKind, message?: string, status = STATUS[kind]) => {
    sendJson(response, status, adapter.errorBody(kind, status, message));
  };

  const send = async (response: ServerResponse, rendered: Rendered) => {
    if (rendered.kind === "error") return sendError(response, rendered.error, rendered.message);
    if (rendered.kind === "json") return sendJson(response, 200, rendered.body);
    startSse(response);
    await writeAll(response, rendered.frames);
    response.end();
  };

  const applyFault = async (
    response: ServerResponse,
    fault: FakeFault,
    endpoint: FakeEndpoint,
    request: RecordedRequest,
  ) => {
    switch (fault.fault) {
      case "rate-limit":
        response.setHeader("retry-after", String(fault.retryAfterSeconds ?? 1));
        return sendError(response, "rate-limit", fault.message);
      case "server-error":
        return sendError(response, "server-error", fault.message, fault.status ?? 500);
      case "context-overflow":
        return sendError(response, "context-overflow", fault.message);
      case "hang":
        return; // never answered; close() destroys the socket
      case "malformed-json":
        return sendMalformed(response, adapter.render(endpoint, request, script.defaultReply));
      case "stream-cut": {
        const rendered = adapter.render(endpoint, request, fault.reply ?? script.defaultReply);
        return sendCut(response, rendered, fault.afterEvents ?? 2);
      }
    }
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const rawBody = await readBody(incoming);
    const method = incoming.method ?? "GET";
    const path = new URL(incoming.url ?? "/", "http://127.0.0.1").pathname;
    const endpoint = adapter.endpointFor(method, path) ?? "unknown";
    const body = parseJson(rawBody);
    const request: RecordedRequest = {
      provider: adapter.provider,
      endpoint,
      method,
      path,
      headers: incoming.headers,
      body,
      rawBody,
    };
    requests.push(request);
    requestCount += 1;
    response.setHeader(adapter.requestIdHeader, `req_fake_${requestCount}`);

    if (endpoint === "unknown") return sendError(response, "not-found", `Unknown route: ${method} ${path}`);
    if (options.apiKey !== undefined && !adapter.isAuthorized(incoming.headers, options.apiKey)) {
      return sendError(response, "unauthorized");
    }
    if (rawBody.trim().length > 0 && body === undefined) {
      return sendError(response, "bad-request", "Request body is not valid JSON");
    }
    const step = await script.take(request);
    if (step && isFault(step)) return applyFault(response, step, endpoint, request);
    const reply = step ?? {};
    if (reply.delayMs) {
      await sleep(reply.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
      if (closing.signal.aborted || response.destroyed) return;
    }
    return send(response, adapter.render(endpoint, request, reply));
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      sendError(response, "server-error", error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    script,
    requests,
    reset() {
      requests.length = 0;
      script.reset();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Formats one server-sent event. */
export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function startSse(response: ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
}

/** A 200 whose JSON (or first SSE event's JSON) is cut in half; the rest of a stream follows normally. */
async function sendMalformed(response: ServerResponse, rendered: Rendered): Promise<void> {
  if (rendered.kind === "sse") {
    const [first = sseFrame("{}"), ...rest] = rendered.frames;
    const dataAt = first.indexOf("data: ") + "data: ".length;
    const json = first.slice(dataAt).trimEnd();
    startSse(response);
    await writeAll(response, [`${first.slice(0, dataAt)}${halve(json)}\n\n`, ...rest]);
    response.end();
    return;
  }
  const text = halve(JSON.stringify(rendered.kind === "json" ? rendered.body : { error: {} }));
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** Sends part of the answer, then destroys the socket without finishing the response. */
async function sendCut(response: ServerResponse, rendered: Rendered, afterEvents: number): Promise<void> {
  if (rendered.kind === "sse") {
    startSse(response);
    await writeAll(response, rendered.frames.slice(0, afterEvents));
  } else {
    const text = JSON.stringify(rendered.kind === "json" ? rendered.body : { error: {} });
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    await writeAll(response, [halve(text)]);
  }
  response.destroy();
}

function halve(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

/** Writes chunks and resolves once the last one has been handed to the socket. */
function writeAll(response: ServerResponse, chunks: string[]): Promise<void> {
  return new Promise((resolve) => {
    if (chunks.length === 0) {
      response.flushHeaders();
      return resolve();
    }
    chunks.forEach((chunk, index) => {
      response.write(chunk, index === chunks.length - 1 ? () => resolve() : undefined);
    });
  });
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
