/** How long to wait before sending a batch again. */

/**
 * Exponential backoff with full jitter (a random wait in [0, min(max, base * 2^attempt))), so
 * that clients refused together do not come back together; never shorter than the server's
 * Retry-After when it sent one.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, retryAfterMs: number | undefined, random = Math.random): number {
  const jittered = random() * Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.max(retryAfterMs ?? 0, jittered);
}

/**
 * A Retry-After header in ms: delay-seconds or an HTTP date (RFC 9110 section 10.2.3); undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header == null) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
