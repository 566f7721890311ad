/**
 * The simulator's HTTP side: every request is built from the one base URL the user gave (and
 * checked against it), redirects are not followed, and sends honour `Retry-After` and back off on
 * network errors, so a struggling instance is slowed down rather than hammered.
 */

/** The outcome of one request that got an answer. */
export interface Reply {
  status: number;
  body: unknown;
  latencyMs: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_RETRY_AFTER_MS = 30_000;

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); 1 s if absent. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return 1000;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

// A function, so TypeScript does not narrow `aborted` across awaits that may change it.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** One instance's base URL; hands out URLs only below it. */
export class Endpoint {
  private readonly base: URL;

  constructor(baseUrl: string, private readonly apiKey?: string) {
    this.base = new URL(baseUrl);
    if (!this.base.pathname.endsWith('/')) this.base.pathname += '/';
  }

  /** The URL of an API path (`v1/events`) with optional query, under the base URL. */
  url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    // Belt and braces: a path like `//elsewhere/` must never turn into another host.
    if (url.origin !== this.base.origin || !url.pathname.startsWith(this.base.pathname)) {
      throw new Error(`refusing to send a request outside ${this.base.href}: ${url.href}`);
    }
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** One request; throws on network errors and timeouts, returns any HTTP answer. */
  async request(method: string, url: URL, body?: unknown, signal?: AbortSignal): Promise<Reply & { headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const started = performance.now();
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual', // a redirect would point somewhere other than the given URL
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const text = await res.text();
    const latencyMs = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text for error messages
    }
    return { status: res.status, body: parsed, latencyMs, headers: res.headers };
  }

  /**
   * POSTs `body` until it gets an answer that is not 429/503/5xx: waits `Retry-After` on 429/503,
   * backs off exponentially on network errors and other 5xx. Gives up only when `signal` aborts
   * (returns undefined) or after `maxAttempts`; `onRetry` sees each reason, for counting, with the
   * HTTP status when there was an answer (undefined for a network error or timeout).
   */
  async postWithRetry(
    path: string,
    body: unknown,
    opts: { signal?: AbortSignal; maxAttempts?: number; onRetry?: (reason: string, status?: number) => void; onLatency?: (ms: number) => void } = {},
  ): Promise<Reply | undefined> {
    const url = this.url(path);
    const maxAttempts = opts.maxAttempts ?? Infinity;
    let backoff = 100;
    for (let attempt = 1; !isAborted(opts.signal); attempt++) {
      let waitMs: number;
      let reason: string;
      let status: number | undefined;
      try {
        const reply = await this.request('POST', url, body, opts.signal);
        opts.onLatency?.(reply.latencyMs);
        if (reply.status === 429 || reply.status === 503) {
          waitMs = retryAfterMs(reply.headers.get('retry-after'));
          reason = String(reply.status);
          status = reply.status;
        } else if (reply.status >= 500) {
          waitMs = backoff;
          reason = String(reply.status);
          status = reply.status;
        } else {
          return { status: reply.status, body: reply.body, latencyMs: reply.latencyMs };
        }
      } catch (error) {
        if (isAborted(opts.signal)) return undefined;
        waitMs = backoff;
        reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      }
      if (attempt >= maxAttempts) throw new Error(`POST ${url.href} failed after ${attempt} attempts: ${reason}`);
      opts.onRetry?.(reason, status);
      backoff = Math.min(backoff * 2, 5000);
      await sleep(waitMs, opts.signal);
    }
    return undefined;
  }
}
