/** The end-of-ramp summary of `eddy simulate --ramp`: a table of the steps, the verdict, then one JSON object. */
import { num, type RampVerdict, type StepResult } from './ramp-verdict.ts';

/** Figures of one ramp (also the JSON object on the last line of stdout). */
export interface RampSummary {
  url: string;
  seed: number;
  users: number;
  items: number;
  /** Recommendation requests as a share of the event rate. */
  rec_share: number;
  /** Concurrent POSTs, and concurrent GETs, at most. */
  max_in_flight: number;
  plan: { start: number; step: string; step_duration_s: number; warmup_s: number; max: number; rates: number[] };
  slo: { post_p99_ms: number; get_p99_ms: number; freshness_p99_ms: number; error_rate: number; min_achieved: number };
  /** Whether the instance's `/metrics` answered at least once (freshness and lag come from there). */
  metrics_available: boolean;
  /** The steps run, in order; only the last can have breaches. */
  steps: StepResult[];
  /** Consumer lag once a second, `t_s` seconds after the ramp started. */
  lag_series: { t_s: number; step: number; lag: number }[];
  /** Freshness p99 of the events made visible in each second (seconds without any are left out). */
  freshness_series: { t_s: number; step: number; p99_ms: number }[];
  verdict: RampVerdict;
}

const COLUMNS = ['step', 'target ev/s', 'ev/s', 'target req/s', 'req/s', 'POST p50/p99 ms', 'GET p50/p99 ms', '5xx', '429/503', 'net', 'err rate', 'fresh p99 ms', 'lag max', 'result'];

const v = (x: number | null): string => (x === null ? 'n/a' : num(x));

/** The cells of a step's table row. */
function row(s: StepResult): string[] {
  return [
    String(s.step),
    num(s.target_events_per_s),
    num(s.events_per_s),
    num(s.target_requests_per_s),
    num(s.requests_per_s),
    `${v(s.post_p50_ms)}/${v(s.post_p99_ms)}`,
    `${v(s.get_p50_ms)}/${v(s.get_p99_ms)}`,
    String(s.errors_5xx),
    String(s.errors_overloaded),
    String(s.errors_network),
    v(s.error_rate),
    v(s.freshness_p99_ms),
    s.lag_max === null ? 'n/a' : String(s.lag_max),
    s.breaches.length === 0 ? 'held' : `BROKE: ${s.breaches.map((b) => b.level).join(', ')}`,
  ];
}

/** Rows as text columns: numbers right-aligned, the last column as is. */
export function textTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The summary as lines for stdout; the last line is the JSON object. */
export function formatRampSummary(s: RampSummary): string[] {
  const slo = s.slo;
  return [
    `ramp against ${s.url} (seed ${s.seed}, ${s.users} users, ${s.items} items; ${s.plan.step} every ${s.plan.step_duration_s} s ` +
      `from ${num(s.plan.start)} up to ${num(s.plan.max)} events/s, recommendations at ${s.rec_share} of the event rate)`,
    `service levels: POST p99 <= ${slo.post_p99_ms} ms, GET p99 <= ${slo.get_p99_ms} ms, freshness p99 <= ${slo.freshness_p99_ms} ms, ` +
      `error rate <= ${slo.error_rate}, achieved >= ${slo.min_achieved} of target${s.metrics_available ? '' : ' (freshness and lag not measured: /metrics did not answer)'}`,
    ...textTable(COLUMNS, s.steps.map(row)),
    ...s.verdict.lines,
    JSON.stringify(s),
  ];
}
