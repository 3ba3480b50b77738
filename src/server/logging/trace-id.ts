import { randomBytes } from "node:crypto";

// W3C Trace Context: version-traceid-parentid-flags, lower-case hex; an all-zero id is invalid.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = "0".repeat(32);
// A caller's request id is echoed in a response header and written to the log: only plain tokens.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id one request is known by in the log, in the `x-request-id` response header and in a 500's
 * `trace_id`: the trace id of a valid `traceparent` header, else a well-formed `x-request-id`, else a
 * new random W3C-style trace id (32 hex digits). Malformed values are ignored, never echoed.
 */
export function traceIdOf(headers: { get(name: string): string | null | undefined }): string {
  const parent = TRACEPARENT.exec(headers.get("traceparent")?.trim().toLowerCase() ?? "");
  if (parent?.[1] !== undefined && parent[1] !== ZERO_TRACE_ID && !parent[0].startsWith("ff-")) {
    return parent[1];
  }
  const requestId = headers.get("x-request-id")?.trim();
  if (requestId !== undefined && REQUEST_ID.test(requestId)) return requestId;
  return randomBytes(16).toString("hex");
}
