/**
 * An open-loop, constant-rate load (wrk2's method): request i is due at start + i / rate, whether
 * or not earlier ones have been answered, and its latency counts from when it was due, so time
 * spent queued behind a slow server (in this client or on a busy connection) is in the figure
 * ("coordinated omission" corrected at the source).
 *
 * Why not autocannon's `overallRate`: autocannon paces per second, each connection sending back
 * to back until its share of the second is used and then waiting for the next second. "2,000
 * requests/s" is then 32 connections at full speed for the first part of every second and nothing
 * after: the server sees bursts at its saturation rate, and the latency measured is the burst's
 * queue, not that of a steady 2,000 requests/s. (Its unpaced mode, the ceiling of a route, is still
 * used for `bare_fastify_rps` and `http_ingest_events_per_sec`.)
 */
import { Pool } from 'undici';

export interface PacedSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Requests per second, spread evenly. */
  readonly rate: number;
  /** Requested once on every connection before the schedule starts (any answer will do). */
  readonly warmUpPath: string;
  /** The i-th request. */
  readonly request: (i: number) => { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string };
}

export interface PacedResult {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Latencies of 2xx answers from when each request was due, ms, sorted. */
  readonly latencies: Float64Array;
  /** How far behind schedule the client itself fell at worst, ms (a saturated client says so). */
  readonly maxSendLagMs: number;
}

/** Answers still outstanding this long after the last request was due are counted as errors. */
const DRAIN_MS = 30_000;

export async function pacedLoad(spec: PacedSpec): Promise<PacedResult> {
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const interval = 1000 / spec.rate;
  const total = Math.floor(spec.rate * spec.durationS);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let maxSendLagMs = 0;
  let allSettled: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = (): void => {
    if (++settled === total) allSettled();
  };
  const fire = (i: number, due: number): void => {
    pool
      .request(spec.request(i))
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          ok++;
          latencies.push(performance.now() - due);
        } else non2xx++;
      })
      .catch(() => errors++)
      .finally(settle);
  };
  // Every connection opened before the clock starts: otherwise the first requests of the schedule
  // wait for connection set-up, which a server under steady load does not see.
  await Promise.all(
    Array.from({ length: spec.connections }, () =>
      pool.request({ method: 'GET', path: spec.warmUpPath }).then(
        (res) => res.body.dump(),
        () => undefined,
      ),
    ),
  );
  const start = performance.now() + 5;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const due = start + next * interval;
        if (now - due > maxSendLagMs) maxSendLagMs = now - due;
        fire(next, due);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });
  const timer = setTimeout(allSettled, DRAIN_MS);
  await done;
  clearTimeout(timer);
  errors += total - settled;
  await pool.destroy();
  return { requests: total, ok, non2xx, errors, latencies: Float64Array.from(latencies).sort(), maxSendLagMs };
}
