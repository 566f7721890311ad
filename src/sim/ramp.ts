/**
 * `runRamp` (`eddy simulate --ramp`): the simulated traffic of `eddy simulate`, with the target
 * rate raised step by step until a service level breaks or the plan reaches `--ramp-max`. Each step
 * measures what the client saw (achieved rates, POST and GET latency, errors) and what the instance
 * reports on `/metrics` (freshness, consumer lag, processed rate); the verdict names the highest
 * rate at which every level held and what broke first.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MAX_RAMP_STEPS, type RampOptions, type SimulateOptions } from './args.ts';
import { sleep, type Endpoint } from './http.ts';
import { describeStep, judgeStep, num, rampRates, rampVerdict, type StepMeasurement, type StepResult } from './ramp-verdict.ts';
import { writeRampReport } from './ramp-report.ts';
import { formatRampSummary, type RampSummary } from './ramp-summary.ts';
import { stdoutLine, type SimulationSinks } from './runner.ts';
import { freshnessBetween, scrapeServer, type ServerSample } from './scrape.ts';
import { round } from './stats.ts';
import { prepareTraffic, type TrafficTally } from './traffic.ts';

/** How often the instance's `/metrics` is read during a step (lag and freshness over time). */
const SAMPLE_EVERY_MS = 1000;
/** Concurrent POSTs and GETs each, unless `--max-in-flight` says otherwise. */
const RAMP_IN_FLIGHT = 32;
/** How long to wait, at most, for the instance to process the catalogue before the ramp starts. */
const SETTLE_MS = 30_000;

/** What the server side of one step looked like, from the scrapes at its start and end. */
interface ServerWindow {
  first: ServerSample | undefined;
  last: ServerSample | undefined;
  lagMax: number | null;
}

/** One step's measurement out of the client's tally and the server's scrapes (exported for tests). */
export function measureStep(
  plan: { step: number; startedS: number; targetEvents: number; targetRequests: number; clientDelayP99Ms: number | null },
  tally: TrafficTally,
  server: ServerWindow,
): StepMeasurement {
  const seconds = tally.elapsedMs() / 1000;
  const freshness = freshnessBetween(server.first, server.last);
  const { first, last } = server;
  const processedSpan = first?.processed != null && last?.processed != null ? (last.at - first.at) / 1000 : 0;
  return {
    step: plan.step,
    started_s: round(plan.startedS, 2) ?? 0,
    duration_s: round(seconds, 2) ?? 0,
    target_events_per_s: plan.targetEvents,
    target_requests_per_s: round(plan.targetRequests, 2) ?? 0,
    events_per_s: round(tally.sent / seconds, 1) ?? 0,
    requests_per_s: round(tally.recAnswered / seconds, 1) ?? 0,
    events_accepted: tally.accepted,
    post_requests: tally.postLatency.count,
    get_requests: tally.recLatency.count,
    post_p50_ms: round(tally.postLatency.percentile(0.5)),
    post_p99_ms: round(tally.postLatency.percentile(0.99)),
    get_p50_ms: round(tally.recLatency.percentile(0.5)),
    get_p99_ms: round(tally.recLatency.percentile(0.99)),
    errors_5xx: tally.failures.server5xx,
    errors_overloaded: tally.failures.overloaded,
    errors_network: tally.failures.network,
    error_rate: round(tally.errorRate, 4),
    freshness_p99_ms: freshness?.p99Ms ?? null,
    freshness_observed: freshness?.count ?? null,
    lag_max: server.lagMax,
    lag_end: last?.lag ?? null,
    processed_per_s: processedSpan > 0 ? round((last!.processed! - first!.processed!) / processedSpan, 1) : null,
    client_delay_p99_ms: plan.clientDelayP99Ms,
  };
}

const ms = (v: number | null): string => (v === null ? 'n/a' : num(v));

/**
 * Polls `/metrics` until the consumer lag is 0 or `timeoutMs` passes; returns the last lag seen, or
 * undefined when `/metrics` never answered with a lag.
 */
async function waitForLag(endpoint: Endpoint, signal: AbortSignal, timeoutMs: number): Promise<number | undefined> {
  const until = performance.now() + timeoutMs;
  let lag: number | undefined;
  do {
    const sample = await scrapeServer(endpoint, signal);
    if (sample?.lag == null) return lag;
    lag = sample.lag;
    if (lag === 0) return 0;
    await sleep(200, signal);
  } while (performance.now() < until);
  return lag;
}

/** The stderr line of one finished step. */
export function stepLine(s: StepResult, steps: number, lastError: string): string {
  const verdict = s.breaches.length === 0 ? 'held' : `BROKE: ${s.breaches.map((b) => b.text).join('; ')}`;
  return (
    `[step ${s.step}/${steps}, ${Math.round(s.started_s + s.duration_s)}s] target ${num(s.target_events_per_s)} ev/s ${num(s.target_requests_per_s)} req/s` +
    ` | achieved ${num(s.events_per_s)} ev/s ${num(s.requests_per_s)} req/s | POST p50 ${ms(s.post_p50_ms)} p99 ${ms(s.post_p99_ms)} ms` +
    ` | GET p50 ${ms(s.get_p50_ms)} p99 ${ms(s.get_p99_ms)} ms | errors ${s.errors_5xx} 5xx ${s.errors_overloaded} 429/503 ${s.errors_network} net` +
    ` | freshness p99 ${ms(s.freshness_p99_ms)} ms | lag max ${s.lag_max ?? 'n/a'} | ${verdict}${lastError === '' ? '' : ` | last error: ${lastError}`}`
  );
}

/**
 * Runs the ramp of `opts.ramp` against `opts.url`: uploads the catalogue, then one step per target
 * rate of the plan, each `stepDurationMs` long, with no pause between steps (lag carries over, as it
 * would in production). Stops after the first step that breaks a service level, or after the last
 * step of the plan. A progress line per step goes to `sinks.log`; the summary (a table, the verdict,
 * then one JSON line) to `sinks.out`; the HTML report to `opts.ramp.reportFile` when set.
 */
export async function runRamp(opts: SimulateOptions & { ramp: RampOptions }, sinks: SimulationSinks): Promise<RampSummary> {
  const out = sinks.out ?? stdoutLine;
  const { log } = sinks;
  const { ramp } = opts;
  const rates = rampRates(ramp.start, ramp.step, ramp.max, MAX_RAMP_STEPS);
  const recShare = opts.recShare ?? 0.1;
  const shape = {
    rate: rates[0],
    peakRate: rates[rates.length - 1],
    maxInFlight: opts.maxInFlight ?? RAMP_IN_FLIGHT,
    maxRecInFlight: opts.maxRecInFlight ?? RAMP_IN_FLIGHT,
  };
  const { endpoint, traffic } = await prepareTraffic(opts, shape, log);
  const summary: RampSummary = {
    url: opts.url,
    seed: opts.seed,
    users: opts.users,
    items: opts.items,
    rec_share: recShare,
    max_in_flight: shape.maxInFlight,
    plan: { start: ramp.start, step: describeStep(ramp.step), step_duration_s: ramp.stepDurationMs / 1000, warmup_s: ramp.warmupMs / 1000, max: ramp.max, rates },
    slo: {
      post_p99_ms: ramp.slo.postP99Ms,
      get_p99_ms: ramp.slo.getP99Ms,
      freshness_p99_ms: ramp.slo.freshnessP99Ms,
      error_rate: ramp.slo.errorRate,
      min_achieved: ramp.slo.minAchieved,
    },
    metrics_available: false,
    steps: [],
    lag_series: [],
    freshness_series: [],
    verdict: rampVerdict([]),
  };
  log(
    `ramp: ${rates.length} steps of ${summary.plan.step_duration_s} s, ${summary.plan.step} from ${num(rates[0])} to ${num(shape.peakRate)} events/s ` +
      `(recommendations at ${recShare} of that); stops at the first step that breaks a service level`,
  );

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const settled = await waitForLag(endpoint, traffic.signal, SETTLE_MS);
    if (settled === undefined) log(`note: ${endpoint.url('metrics').href} did not answer: freshness and lag are not measured`);
    else if (settled > 0) log(`note: the instance still had a lag of ${settled} records after ${SETTLE_MS / 1000} s; ramping anyway`);
    traffic.start();
    if (ramp.warmupMs > 0) {
      await sleep(ramp.warmupMs);
      const warm = traffic.takeTally();
      log(
        `[warm-up, ${ramp.warmupMs / 1000}s at ${num(rates[0])} ev/s, not judged] achieved ${num(warm.sent / (warm.elapsedMs() / 1000))} ev/s` +
          ` | POST p99 ${ms(round(warm.postLatency.percentile(0.99)))} ms | GET p99 ${ms(round(warm.recLatency.percentile(0.99)))} ms`,
      );
    }
    const started = performance.now();
    let sample = await scrapeServer(endpoint, traffic.signal);
    summary.metrics_available = sample !== undefined;
    for (let i = 0; i < rates.length; i++) {
      traffic.setRate(rates[i]);
      traffic.takeTally();
      delay.reset();
      const stepStart = performance.now();
      const stepEnd = stepStart + ramp.stepDurationMs;
      const server: ServerWindow = { first: sample, last: sample, lagMax: null };
      while (performance.now() < stepEnd) {
        await sleep(Math.min(SAMPLE_EVERY_MS, stepEnd - performance.now()));
        const next = await scrapeServer(endpoint, traffic.signal);
        if (next === undefined) continue;
        summary.metrics_available = true;
        const t = round((next.at - started) / 1000, 2) ?? 0;
        if (next.lag !== null) {
          summary.lag_series.push({ t_s: t, step: i + 1, lag: next.lag });
          server.lagMax = Math.max(server.lagMax ?? 0, next.lag);
        }
        const fresh = freshnessBetween(sample, next);
        if (fresh?.p99Ms != null) summary.freshness_series.push({ t_s: t, step: i + 1, p99_ms: fresh.p99Ms });
        sample = next;
        server.last = next;
      }
      const tally = traffic.takeTally();
      const clientDelay = delay.count > 0 ? round(delay.percentile(99) / 1e6, 1) : null;
      const plan = { step: i + 1, startedS: (stepStart - started) / 1000, targetEvents: rates[i], targetRequests: rates[i] * recShare, clientDelayP99Ms: clientDelay };
      const measured = measureStep(plan, tally, server);
      const result: StepResult = { ...measured, breaches: judgeStep(measured, ramp.slo) };
      summary.steps.push(result);
      log(stepLine(result, rates.length, traffic.takeLastError()));
      if (result.breaches.length > 0) break;
    }
  } finally {
    delay.disable();
    await traffic.close();
  }

  summary.verdict = rampVerdict(summary.steps);
  for (const line of formatRampSummary(summary)) out(line);
  if (ramp.reportFile !== undefined) {
    await writeRampReport(ramp.reportFile, summary);
    log(`report: ${ramp.reportFile}`);
  }
  return summary;
}
