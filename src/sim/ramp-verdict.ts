/**
 * The pure side of `eddy simulate --ramp`: the plan of target rates, the judgement of one step's
 * measurements against the service levels, and the verdict over all steps (the highest rate at
 * which every level held, and what broke first). No I/O, so all of it is tested with plain data.
 */
import type { RampStep, ServiceLevels } from './args.ts';

/** What was measured during one ramp step (also its JSON shape in the summary and the report). */
export interface StepMeasurement {
  /** 1-based. */
  step: number;
  /** When the step started, seconds since the ramp started. */
  started_s: number;
  duration_s: number;
  target_events_per_s: number;
  target_requests_per_s: number;
  /** Events in POST /v1/events batches the instance answered, per second. */
  events_per_s: number;
  /** GET /v1/recommendations answered (any status), per second. */
  requests_per_s: number;
  events_accepted: number;
  /** Answered POST attempts (retries included) and answered GETs. */
  post_requests: number;
  get_requests: number;
  post_p50_ms: number | null;
  post_p99_ms: number | null;
  get_p50_ms: number | null;
  get_p99_ms: number | null;
  errors_5xx: number;
  /** 429 and 503 answers. */
  errors_overloaded: number;
  /** Network errors and timeouts. */
  errors_network: number;
  /** (5xx + 429/503 + network) over all attempts; null without attempts. */
  error_rate: number | null;
  /** Ingest -> committed in features p99 over the step, from the instance's histogram; null when not known. */
  freshness_p99_ms: number | null;
  /** Freshness observations during the step; null when `/metrics` could not be read. */
  freshness_observed: number | null;
  /** Consumer lag (records not yet processed): highest sample and last sample of the step. */
  lag_max: number | null;
  lag_end: number | null;
  /** Records the instance processed per second during the step. */
  processed_per_s: number | null;
  /** The simulator's own event-loop delay p99: high values mean the client, not the server, is the limit. */
  client_delay_p99_ms: number | null;
}

/** The service levels a step is judged on. */
export type Level = 'post_p99' | 'get_p99' | 'freshness_p99' | 'error_rate' | 'event_rate' | 'request_rate';

/** One service level a step broke: the measured value against the threshold, and a sentence. */
export interface Breach {
  level: Level;
  /** null when nothing could be measured (no event became visible at all, no answer at all). */
  measured: number | null;
  threshold: number;
  text: string;
}

/** A step with its judgement. */
export interface StepResult extends StepMeasurement {
  breaches: Breach[];
}

/** The answer of a ramp. */
export interface RampVerdict {
  /** The last step at which every level held (the ramp stops at the first that breaks one). */
  sustainable: {
    step: number;
    target_events_per_s: number;
    target_requests_per_s: number;
    events_per_s: number;
    requests_per_s: number;
  } | null;
  /** The first step that broke a level, with every level it broke, worst first. */
  broke_first: { step: number; target_events_per_s: number; target_requests_per_s: number; breaches: Breach[] } | null;
  stopped: 'breach' | 'ramp_max';
  /** The verdict in words, one sentence a line. */
  lines: string[];
}

/** A GET rate check needs a few expected requests per step to mean anything. */
const MIN_EXPECTED_REQUESTS = 5;
/** Above this the simulator itself is starved (it cannot keep its 25 ms tick), worth a warning. */
const CLIENT_DELAY_WARN_MS = 100;

/** Readable numbers: two decimals below 10, one below 100, none above. */
export function num(value: number): string {
  const abs = Math.abs(value);
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return String(Math.round(value * 10 ** digits) / 10 ** digits);
}

/** `x1.5` or `+100`: a ramp step as the flag spells it. */
export function describeStep(step: RampStep): string {
  return step.kind === 'multiply' ? `x${step.by}` : `+${step.by}`;
}

/**
 * The target event rates of a ramp: `start`, then each multiplied by or added to by `step`, while
 * not above `max`; `max` itself closes the plan when the steps do not land on it. At most `limit`
 * rates (callers pass one more than they allow, to tell a plan that is too long).
 */
export function rampRates(start: number, step: RampStep, max: number, limit: number): number[] {
  const rates: number[] = [];
  for (let i = 0; rates.length < limit; i++) {
    const raw = step.kind === 'multiply' ? start * step.by ** i : start + step.by * i;
    // Tolerance: 100 x1.5 x1.5 ... must not miss a max it lands on because of rounding.
    if (raw > max * (1 + 1e-9)) break;
    rates.push(Math.round(raw * 10) / 10);
  }
  const last = rates.at(-1);
  if (last !== undefined && last < max * 0.99 && rates.length < limit) rates.push(max);
  return rates;
}

const LEVEL_NAMES: Record<Level, string> = {
  post_p99: 'POST /v1/events p99',
  get_p99: 'GET /v1/recommendations p99',
  freshness_p99: 'freshness p99 (ingest -> visible in features)',
  error_rate: 'error rate (5xx, 429/503, network errors)',
  event_rate: 'achieved events/s',
  request_rate: 'achieved requests/s',
};

/** The name of a level as the summary and the report print it. */
export function levelName(level: Level): string {
  return LEVEL_NAMES[level];
}

function latencyBreach(level: Level, measured: number | null, threshold: number): Breach | undefined {
  if (measured === null || measured <= threshold) return undefined;
  return { level, measured, threshold, text: `${levelName(level)} ${num(measured)} ms > ${num(threshold)} ms` };
}

function rateBreach(level: Level, achieved: number, target: number, minAchieved: number, unit: string): Breach | undefined {
  if (minAchieved === 0 || achieved >= target * minAchieved) return undefined;
  const threshold = target * minAchieved;
  const share = target > 0 ? Math.round((achieved / target) * 100) : 0;
  return {
    level,
    measured: achieved,
    threshold,
    text: `${levelName(level)} ${num(achieved)} ${unit} is ${share}% of the target ${num(target)} (needs ${Math.round(minAchieved * 100)}%, ${num(threshold)} ${unit})`,
  };
}

/** How far over its threshold a breach is, to list the worst first (an unmeasurable one is worst). */
function severity(b: Breach): number {
  if (b.measured === null) return Infinity;
  const rate = b.level === 'event_rate' || b.level === 'request_rate';
  if (rate) return b.measured === 0 ? Infinity : b.threshold / b.measured;
  return b.threshold === 0 ? Infinity : b.measured / b.threshold;
}

/** Every service level step `m` broke, worst first; empty when all held. */
export function judgeStep(m: StepMeasurement, slo: ServiceLevels): Breach[] {
  const breaches: (Breach | undefined)[] = [
    latencyBreach('post_p99', m.post_p99_ms, slo.postP99Ms),
    latencyBreach('get_p99', m.get_p99_ms, slo.getP99Ms),
    latencyBreach('freshness_p99', m.freshness_p99_ms, slo.freshnessP99Ms),
  ];
  // Events waiting and none of them visible during the whole step: freshness is at least about the
  // step's length, a breach only when that is over the level (a short step may end before a commit).
  if (m.freshness_observed === 0 && m.freshness_p99_ms === null && (m.lag_end ?? 0) > 0 && m.duration_s * 1000 > slo.freshnessP99Ms) {
    breaches.push({
      level: 'freshness_p99',
      measured: null,
      threshold: slo.freshnessP99Ms,
      text: `${levelName('freshness_p99')}: no event became visible during the ${num(m.duration_s)} s step (lag ${m.lag_end}) > ${num(slo.freshnessP99Ms)} ms`,
    });
  }
  if (m.error_rate !== null && m.error_rate > slo.errorRate) {
    const failed = `${m.errors_5xx} 5xx, ${m.errors_overloaded} 429/503, ${m.errors_network} network`;
    breaches.push({ level: 'error_rate', measured: m.error_rate, threshold: slo.errorRate, text: `${levelName('error_rate')} ${num(m.error_rate)} > ${slo.errorRate} (${failed})` });
  }
  breaches.push(rateBreach('event_rate', m.events_per_s, m.target_events_per_s, slo.minAchieved, 'events/s'));
  if (m.target_requests_per_s * m.duration_s >= MIN_EXPECTED_REQUESTS) {
    breaches.push(rateBreach('request_rate', m.requests_per_s, m.target_requests_per_s, slo.minAchieved, 'requests/s'));
  }
  return breaches.filter((b): b is Breach => b !== undefined).sort((a, b) => severity(b) - severity(a));
}

/**
 * The verdict over the steps run, in order (the ramp stops at the first step with breaches, so only
 * the last step can have any).
 */
export function rampVerdict(steps: readonly StepResult[]): RampVerdict {
  const brokeAt = steps.findIndex((s) => s.breaches.length > 0);
  const held = brokeAt === -1 ? steps.at(-1) : steps[brokeAt - 1];
  const broke = brokeAt === -1 ? undefined : steps[brokeAt];
  const sustainable =
    held === undefined
      ? null
      : {
          step: held.step,
          target_events_per_s: held.target_events_per_s,
          target_requests_per_s: held.target_requests_per_s,
          events_per_s: held.events_per_s,
          requests_per_s: held.requests_per_s,
        };
  const lines: string[] = [];
  if (held === undefined) lines.push('no step held every service level: start lower (--ramp-start)');
  else {
    lines.push(
      `highest sustainable rate: ${num(held.target_events_per_s)} events/s and ${num(held.target_requests_per_s)} requests/s ` +
        `(step ${held.step}; achieved ${num(held.events_per_s)} events/s, ${num(held.requests_per_s)} requests/s)`,
    );
  }
  if (broke === undefined) {
    if (held !== undefined) lines.push(`no level broke up to --ramp-max (${num(held.target_events_per_s)} events/s): the breaking point is higher`);
  } else {
    lines.push(`broke first at step ${broke.step} (target ${num(broke.target_events_per_s)} events/s, ${num(broke.target_requests_per_s)} requests/s): ${broke.breaches[0].text}`);
    for (const b of broke.breaches.slice(1)) lines.push(`  also: ${b.text}`);
    if ((broke.client_delay_p99_ms ?? 0) > CLIENT_DELAY_WARN_MS) {
      // The client measures latency and rate; when it is starved itself, its figures say less.
      lines.push(`  note: the simulator's own event loop was delayed ${num(broke.client_delay_p99_ms ?? 0)} ms (p99): the client may be the limit, not the instance`);
    }
  }
  return {
    sustainable,
    broke_first: broke === undefined ? null : { step: broke.step, target_events_per_s: broke.target_events_per_s, target_requests_per_s: broke.target_requests_per_s, breaches: broke.breaches },
    stopped: broke === undefined ? 'ramp_max' : 'breach',
    lines,
  };
}
