/** One POST of a batch to `/v1/events`, and what eddy's answer means for the batch. */
import { parseRetryAfter } from './backoff.ts';

/** One event of a batch that eddy refused, by its position in the batch (API.md). */
export interface Rejection {
  readonly index: number;
  readonly errors: readonly string[];
}

export type Outcome =
  /** Taken (2xx), or answered 400 with per-event rejections: only the rejected events are lost. */
  | { readonly kind: 'done'; readonly rejected: readonly Rejection[] }
  /** No answer, a timeout, 408, 429 or 5xx: the same body may be sent again. */
  | { readonly kind: 'retry'; readonly retryAfterMs?: number }
  /** 413: the batch is larger than the server takes in one request. */
  | { readonly kind: 'too_large' }
  /** Any other answer (401, 403, a body eddy could not parse): sending it again would not help. */
  | { readonly kind: 'refused' };

export interface Request {
  readonly fetch: typeof globalThis.fetch;
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  /** 0 for none. */
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** Posts `body` (a JSON array of events); never throws. `keepalive` lets it outlive the page. */
export async function postBatch(request: Request, body: string, keepalive = false): Promise<Outcome> {
  const controller = request.timeoutMs > 0 ? new AbortController() : undefined;
  const timer = controller && setTimeout(() => controller.abort(), request.timeoutMs);
  let status: number;
  let retryAfter: string | null;
  let text: string;
  try {
    const response = await request.fetch(request.endpoint, {
      method: 'POST',
      headers: request.headers,
      body,
      keepalive,
      signal: controller?.signal,
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch {
    return { kind: 'retry' };
  } finally {
    clearTimeout(timer);
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', retryAfterMs: parseRetryAfter(retryAfter, request.now()) };
  if (status === 413) return { kind: 'too_large' };
  const rejected = rejectionsOf(text);
  if (status >= 200 && status < 300) return { kind: 'done', rejected: rejected ?? [] };
  // eddy answers 400 with the per-event body when no event of the batch was taken.
  return status === 400 && rejected !== undefined ? { kind: 'done', rejected } : { kind: 'refused' };
}

/** The `rejected` list of an answer body, or undefined when the body has none. */
function rejectionsOf(text: string): Rejection[] | undefined {
  try {
    const rejected = (JSON.parse(text) as { rejected?: unknown }).rejected;
    if (!Array.isArray(rejected)) return undefined;
    return rejected.filter((r): r is Rejection => typeof r?.index === 'number').map((r) => ({ index: r.index, errors: Array.isArray(r.errors) ? r.errors : [] }));
  } catch {
    return undefined;
  }
}
