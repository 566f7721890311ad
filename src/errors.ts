/**
 * Every error eddy reports, declared once: a code, an HTTP status and whether retrying can help.
 * Tests assert codes; API.md lists them (test/errors.test.ts keeps the two in step).
 */

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
  /** True when the same request may succeed later (the client should back off and retry). */
  readonly retryable: boolean;
}

export const ERRORS = {
  EDDY_INVALID_EVENT: { status: 400, message: 'no valid event in the request', retryable: false },
  EDDY_INVALID_ITEM: { status: 400, message: 'invalid catalogue item', retryable: false },
  EDDY_INVALID_QUERY: { status: 400, message: 'invalid query parameter', retryable: false },
  EDDY_INVALID_BODY: { status: 400, message: 'the request body could not be parsed', retryable: false },
  EDDY_BODY_TOO_LARGE: { status: 413, message: 'the request body is too large', retryable: false },
  EDDY_UNAUTHORIZED: { status: 401, message: 'missing or unknown API key', retryable: false },
  EDDY_FORBIDDEN: { status: 403, message: 'the API key lacks the scope for this request', retryable: false },
  EDDY_NOT_FOUND: { status: 404, message: 'not found', retryable: false },
  EDDY_RATE_LIMITED: { status: 429, message: 'too many requests', retryable: true },
  EDDY_OVERLOADED: { status: 503, message: 'processing is behind; retry later', retryable: true },
  EDDY_NOT_READY: { status: 503, message: 'not ready', retryable: true },
  EDDY_SCHEMA_INCOMPATIBLE: { status: 409, message: 'schema is incompatible with an earlier version', retryable: false },
  EDDY_INVALID_SCHEMA: { status: 422, message: 'invalid schema', retryable: false },
  // Schema registry requests (Confluent's 42202 and 42203, which its clients expect as 422).
  EDDY_INVALID_VERSION: { status: 422, message: 'invalid schema version', retryable: false },
  EDDY_INVALID_COMPATIBILITY: { status: 422, message: 'invalid compatibility level', retryable: false },
  // Records on a topic (not requests): the processor dead-letters them under these codes.
  EDDY_UNKNOWN_SCHEMA_ID: { status: 422, message: 'the record names a schema id this instance does not know', retryable: false },
  EDDY_CORRUPT_RECORD: { status: 422, message: 'the record is not a valid encoding of its schema', retryable: false },
  EDDY_CONFIG_INVALID: { status: 500, message: 'invalid configuration', retryable: false },
  EDDY_INTERNAL: { status: 500, message: 'internal error', retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error with an eddy code; the HTTP layer turns it into `{error, code, details}`. */
export class EddyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: unknown[];
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterSec?: number;

  constructor(code: ErrorCode, options: { message?: string; details?: unknown[]; retryAfterSec?: number; cause?: unknown } = {}) {
    const spec = ERRORS[code];
    super(options.message ?? spec.message, { cause: options.cause });
    this.name = 'EddyError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.details = options.details ?? [];
    if (options.retryAfterSec !== undefined) this.retryAfterSec = options.retryAfterSec;
  }
}
