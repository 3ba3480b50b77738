/** The closed set of error codes; each maps to one HTTP status. */
export const ERROR_STATUS = {
  invalid_argument: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  busy: 409,
  pending_approval: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation: 422,
  llm_error: 502,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error type of Reverie: a code from a closed set, a message fit for the client, a cause. */
export class ReverieError extends Error {
  readonly code: ErrorCode;
  /** Extra fields merged into the HTTP error body (for example `run_id`). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, { cause: options?.cause });
    this.name = "ReverieError";
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A 404 with Letta's wording (`Agent not found`, `Block not found`...). */
export function notFound(entity: string, id?: string): ReverieError {
  const message = id === undefined ? `${entity} not found` : `${entity} with id '${id}' not found`;
  return new ReverieError("not_found", message);
}

/** The outcome of an operation whose failure is expected (the caller shows the message). */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
