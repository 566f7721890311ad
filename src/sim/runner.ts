/**
 * `runSimulation`: uploads the synthetic catalogue, then sends session traffic at the target rate
 * while asking for recommendations for active users, feeds what is served back into the users'
 * behaviour, and measures rate, latency and how well the served items match the hidden tastes.
 */
import type { SimulateOptions } from './args.ts';
import { sleep } from './http.ts';
import { round } from './stats.ts';
import { formatSummary, type SimulationSummary } from './summary.ts';
import { prepareTraffic } from './traffic.ts';

/** Where output goes: `log` for progress (stderr), `out` for the summary (default stdout). */
export interface SimulationSinks {
  log: (line: string) => void;
  out?: (line: string) => void;
}

/** Writes a line to stdout: the default `out` sink. */
export function stdoutLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

const MAX_REC_IN_FLIGHT = 4;

/**
 * Runs one simulation against `opts.url` for `opts.durationMs`, then lets queued events drain for
 * at most `opts.drainMs`. Progress goes to `sinks.log` once a second; the summary (readable lines
 * and a final JSON line) goes to `sinks.out` and is also returned.
 */
export async function runSimulation(opts: SimulateOptions, sinks: SimulationSinks): Promise<SimulationSummary> {
  const out = sinks.out ?? stdoutLine;
  const { log } = sinks;
  const shape = { rate: opts.rate, peakRate: opts.rate, maxInFlight: opts.maxInFlight ?? 8, maxRecInFlight: MAX_REC_IN_FLIGHT };
  const { traffic } = await prepareTraffic(opts, shape, log);
  const c = traffic.tally;

  const start = performance.now();
  const deadline = start + opts.durationMs;
  const progress = (): void => {
    const elapsed = (performance.now() - start) / 1000;
    const { taste, recLatency } = c;
    const lift = taste.lift === undefined ? 'n/a' : `${round(taste.lift, 2)}x`;
    const lastError = traffic.takeLastError();
    log(
      `[${Math.round(elapsed)}s] events ${c.sent} sent (${Math.round(c.sent / elapsed)}/s), ${c.accepted} accepted, ` +
        `${c.rejected} rejected, queue ${traffic.queued} | recs ${c.recRequests} p50 ${round(recLatency.percentile(0.5))} ms ` +
        `p99 ${round(recLatency.percentile(0.99))} ms | taste match ${round(taste.matchRate)} vs chance ` +
        `${round(taste.chanceRate)} (lift ${lift})${lastError === '' ? '' : ` | last error: ${lastError}`}`,
    );
  };

  traffic.start();
  const reporter = setInterval(progress, 1000);
  try {
    await sleep(opts.durationMs);
    traffic.stopGenerating();
    // Drain: deliver what was generated before the deadline, within a bounded grace period.
    await traffic.drain(deadline + (opts.drainMs ?? 10_000));
  } finally {
    clearInterval(reporter);
    await traffic.close();
  }

  const elapsedS = (performance.now() - start) / 1000;
  const summary: SimulationSummary = {
    url: opts.url,
    seed: opts.seed,
    users: opts.users,
    items: opts.items,
    duration_s: round(opts.durationMs / 1000, 3) ?? 0,
    target_rate: opts.rate,
    events_generated: c.generated,
    events_sent: c.sent,
    events_accepted: c.accepted,
    events_duplicates: c.duplicates,
    events_rejected: c.rejected,
    events_unsent: c.generated - c.sent,
    retries: c.retries,
    events_per_sec: round(c.sent / elapsedS, 1),
    post_p50_ms: round(c.postLatency.percentile(0.5)),
    post_p99_ms: round(c.postLatency.percentile(0.99)),
    rec_requests: c.recRequests,
    rec_errors: c.recErrors,
    rec_p50_ms: round(c.recLatency.percentile(0.5)),
    rec_p99_ms: round(c.recLatency.percentile(0.99)),
    rec_items_scored: c.taste.served,
    taste_match_rate: round(c.taste.matchRate, 3),
    taste_chance_rate: round(c.taste.chanceRate, 3),
    taste_lift: round(c.taste.lift, 2),
  };
  for (const line of formatSummary(summary)) out(line);
  return summary;
}
