import type { APICallError } from "ai";
import { ReverieError } from "../../domain/index.js";

/**
 * The closed set of LLM failures the agent loop distinguishes:
 * - `rate_limit`, `server`, `timeout`, `connection`: transient, retried;
 * - `context_window_exceeded`: the prompt is too long (the loop compacts and retries);
 * - `auth`, `bad_request`, `configuration`: fix the setup or the request;
 * - `invalid_response`: the provider answered with something unusable (malformed JSON...);
 * - `cancelled`: the caller aborted.
 */
export type LlmErrorKind =
  | "rate_limit"
  | "auth"
  | "bad_request"
  | "context_window_exceeded"
  | "server"
  | "timeout"
  | "connection"
  | "invalid_response"
  | "configuration"
  | "cancelled";

/** What an LlmError is built from; `retries` is how many retries were made before giving up. */
export interface LlmErrorInit {
  kind: LlmErrorKind;
  /** The handle of the model called (`openai/gpt-4o-mini`). */
  model: string;
  /** The provider's own message, or a description of what went wrong. */
  detail: string;
  status?: number | undefined;
  retryable?: boolean | undefined;
  retries?: number | undefined;
  /** The wait the provider asked for (from `retry-after-ms` / `retry-after`). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

const RETRYABLE: ReadonlySet<LlmErrorKind> = new Set(["rate_limit", "server", "timeout", "connection"]);

/** An LLM call that failed; `message` reads `openai/gpt-4o-mini: rate limited (429) after 3 retries: …`. */
export class LlmError extends ReverieError {
  readonly kind: LlmErrorKind;
  readonly model: string;
  readonly detail: string;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly retries: number;
  readonly retryAfterMs: number | undefined;

  constructor(init: LlmErrorInit) {
    super("llm_error", formatMessage(init), { cause: init.cause });
    this.name = "LlmError";
    this.kind = init.kind;
    this.model = init.model;
    this.detail = init.detail;
    this.httpStatus = init.status;
    this.retryable = init.retryable ?? RETRYABLE.has(init.kind);
    this.retries = init.retries ?? 0;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** The same error, recording how many retries preceded it. */
  withRetries(retries: number): LlmError {
    if (retries === this.retries) return this;
    return new LlmError({
      kind: this.kind,
      model: this.model,
      detail: this.detail,
      status: this.httpStatus,
      retryable: this.retryable,
      retries,
      retryAfterMs: this.retryAfterMs,
      cause: this.cause,
    });
  }
}

const SUMMARY: Record<LlmErrorKind, string> = {
  rate_limit: "rate limited",
  auth: "authentication failed",
  bad_request: "bad request",
  context_window_exceeded: "context window exceeded",
  server: "server error",
  timeout: "timed out",
  connection: "connection failed",
  invalid_response: "invalid response",
  configuration: "not configured",
  cancelled: "cancelled",
};

function formatMessage(init: LlmErrorInit): string {
  const status = init.status !== undefined && init.status !== 200 ? ` (${init.status})` : "";
  const retries = init.retries ? ` after ${init.retries} ${init.retries === 1 ? "retry" : "retries"}` : "";
  return `${init.model}: ${SUMMARY[init.kind]}${status}${retries}: ${init.detail}`;
}

// Phrases providers use when the prompt does not fit (OpenAI, Anthropic, Gemini, vLLM, Ollama...).
const CONTEXT_OVERFLOW =
  /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|too many tokens|input token count|exceeds the (maximum|max)|reduce the length of the (messages|prompt)|string too long/i;

// Messages of AI SDK errors raised when a provider's answer cannot be parsed or validated.
const UNPARSABLE = /^(JSON parsing failed|Invalid JSON response|Type validation failed)/;

/** Maps anything a provider call threw to an LlmError (an LlmError passes through unchanged). */
export function toLlmError(error: unknown, model: string): LlmError {
  if (error instanceof LlmError) return error;
  const detail = errorText(error);
  if (isUnparsable(error)) {
    return new LlmError({ kind: "invalid_response", model, detail, cause: error });
  }
  if (isApiCallError(error)) return fromApiCallError(error, model, detail);
  if (isConnectionError(error)) return new LlmError({ kind: "connection", model, detail, cause: error });
  const name = error instanceof Error ? error.name : "";
  if (/InvalidPrompt|InvalidArgument|UnsupportedFunctionality|InvalidMessageRole|NoSuchModel/.test(name)) {
    return new LlmError({ kind: "bad_request", model, detail, cause: error });
  }
  if (/NoContentGenerated|NoOutputGenerated|InvalidResponseData|EmptyResponseBody/.test(name)) {
    return new LlmError({ kind: "invalid_response", model, detail, cause: error });
  }
  return new LlmError({ kind: "server", model, detail, retryable: false, cause: error });
}

function fromApiCallError(error: APICallError, model: string, detail: string): LlmError {
  const status = error.statusCode;
  const base = { model, detail, status, cause: error };
  if (status === undefined || status === 200) {
    // No HTTP error: the connection failed or broke while the answer was being read.
    return new LlmError({ ...base, kind: "connection" });
  }
  if (status === 429) {
    return new LlmError({ ...base, kind: "rate_limit", retryAfterMs: retryAfterMs(error.responseHeaders) });
  }
  if (status === 401 || status === 403) return new LlmError({ ...base, kind: "auth" });
  if (status === 408) return new LlmError({ ...base, kind: "timeout" });
  if (status === 413 || (status >= 400 && status < 500 && CONTEXT_OVERFLOW.test(detail))) {
    return new LlmError({ ...base, kind: "context_window_exceeded" });
  }
  if (status === 409) return new LlmError({ ...base, kind: "server", retryable: true });
  if (status >= 500) {
    return new LlmError({ ...base, kind: "server", retryAfterMs: retryAfterMs(error.responseHeaders) });
  }
  return new LlmError({ ...base, kind: "bad_request" });
}

/** The wait a response asks for: `retry-after-ms` (milliseconds), else `retry-after` (seconds or a date). */
export function retryAfterMs(
  headers: Record<string, string | undefined> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (headers === undefined) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  const milliseconds = Number.parseFloat(lower["retry-after-ms"] ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const header = lower["retry-after"]?.trim();
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header)) return Number.parseFloat(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isUnparsable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (/JSONParseError|TypeValidationError/.test(current.name)) return true;
    // Anthropic reports an unparsable first stream event as an APICallError with a synthetic 500.
    if (isApiCallError(current) && UNPARSABLE.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_\w+)$/;

function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.test(code)) return true;
    if (current.name === "TypeError" && /fetch failed|terminated|socket|network/i.test(current.message)) {
      return true;
    }
    current = current.cause;
  }
  return false;
}

/** The most useful message of an error and, when it only wraps one, of its cause. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  if (cause && cause !== error.message && /Failed to process|Cannot connect/.test(error.message)) {
    return `${error.message} (${cause})`;
  }
  return error.message;
}

/**
 * Whether an error is the AI SDK's APICallError. Checked by name rather than with the SDK's own
 * `isInstance`, so that this module (which the agent loop imports) does not load the SDK at start-up.
 */
function isApiCallError(error: unknown): error is APICallError {
  return error instanceof Error && error.name === "AI_APICallError";
}
