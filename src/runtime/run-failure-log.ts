import type { Log } from "../domain/index.js";
import { LlmError } from "../llm/providers/llm-error.js";

/** What {@link logRunFailure} reports a failed run with. */
export interface RunFailure {
  agentId: string;
  runId: string;
  /** Why the run ended (`llm_api_error`, `invalid_llm_response`, `error`...). */
  stopReason: string;
  failure: unknown;
}

/**
 * One `error` line for a run that failed on an exception. An LLM failure carries what the provider
 * said: provider, model handle, HTTP status, its message, the retries made; anything else its stack.
 */
export function logRunFailure(log: Log, run: RunFailure): void {
  const { failure } = run;
  const base = { agent_id: run.agentId, run_id: run.runId, stop_reason: run.stopReason };
  if (failure instanceof LlmError) {
    log.error(
      {
        ...base,
        provider: providerOf(failure.model),
        model: failure.model,
        status: failure.httpStatus ?? null,
        kind: failure.kind,
        retries: failure.retries,
        provider_message: redactCredentials(failure.detail),
      },
      "llm call failed",
    );
    return;
  }
  log.error(
    { ...base, error: failure instanceof Error ? (failure.stack ?? failure.message) : String(failure) },
    "run failed",
  );
}

/** `openai` of `openai/gpt-4o-mini`; a handle without a provider prefix is its own provider. */
function providerOf(handle: string): string {
  const slash = handle.indexOf("/");
  return slash > 0 ? handle.slice(0, slash) : handle;
}

// Providers sometimes quote the credential they refused ("Incorrect API key provided: sk-…"): what
// looks like a key or a bearer token is masked before the message reaches the log.
const CREDENTIALS = [
  /\b(?:sk|pk|rk|gsk|xai)-[A-Za-z0-9_-]{8,}/g,
  /\bAIza[A-Za-z0-9_-]{20,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

/** The text with anything shaped like an API key or bearer token replaced by `[redacted]`. */
export function redactCredentials(text: string): string {
  let redacted = text;
  for (const pattern of CREDENTIALS) {
    redacted = redacted.replace(pattern, (_match, scheme?: string) =>
      typeof scheme === "string" && /^(bearer|basic)$/i.test(scheme) ? `${scheme} [redacted]` : "[redacted]",
    );
  }
  return redacted;
}
