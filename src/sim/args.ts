/**
 * Options of `eddy simulate` and their parsing. Every error names the flag it is about
 * (`--rate: must be a positive number`), so the fix is obvious from the message alone.
 */
import { rampRates } from './ramp-verdict.ts';

/** What `runSimulation` needs; the optional tuning fields exist mainly for tests. */
export interface SimulateOptions {
  /** Base URL of the eddy instance; every request goes to this origin and path prefix only. */
  url: string;
  users: number;
  items: number;
  /** Target events per second. */
  rate: number;
  durationMs: number;
  seed: number;
  /** Sent as `Authorization: Bearer KEY` when the instance has API keys configured. */
  apiKey?: string;
  categories?: number;
  /** Recommendation requests as a share of the event rate (default 0.1). */
  recShare?: number;
  /** Concurrent POST /v1/events requests (default 8). */
  maxInFlight?: number;
  /** How long after the deadline queued and in-flight events may still be delivered (default 10 s). */
  drainMs?: number;
  /** Concurrent GET /v1/recommendations requests (default 4). */
  maxRecInFlight?: number;
  /** Present with `--ramp`: raise the rate step by step until a service level breaks. */
  ramp?: RampOptions;
}

/** How the target rate grows from one ramp step to the next: `x1.5` multiplies, `+100` adds. */
export type RampStep = { readonly kind: 'multiply'; readonly by: number } | { readonly kind: 'add'; readonly by: number };

/** The service levels every ramp step must hold; the ramp stops at the first step that breaks one. */
export interface ServiceLevels {
  /** POST /v1/events p99 latency, ms (`--slo-post-p99`, default 50 ms). */
  postP99Ms: number;
  /** GET /v1/recommendations p99 latency, ms (`--slo-get-p99`, default 50 ms). */
  getP99Ms: number;
  /** Ingest -> visible in features p99, ms, from the instance's `/metrics` (`--slo-freshness-p99`, default 1 s). */
  freshnessP99Ms: number;
  /** Failed attempts (5xx, 429/503, network errors) over all requests (`--slo-error-rate`, default 0.01). */
  errorRate: number;
  /** Achieved rate over target rate, events and requests alike (`--slo-min-achieved`, default 0.9; 0 turns it off). */
  minAchieved: number;
}

/** `eddy simulate --ramp`: the rate plan, the service levels, and where the HTML report goes. */
export interface RampOptions {
  /** Target events per second of the first step (`--ramp-start`, default 100). */
  start: number;
  /** `--ramp-step`, default `x1.5`. */
  step: RampStep;
  /** How long each step lasts (`--step-duration`, default 10 s). */
  stepDurationMs: number;
  /**
   * Traffic at the start rate before the first step, not judged (`--warmup`, default 5 s; `0` for
   * none): a cold instance (JIT, caches, the catalogue still being processed) says nothing about its
   * capacity.
   */
  warmupMs: number;
  /** The highest target rate, events/s; the last step is the last rate of the plan not above it (`--ramp-max`, default 100000). */
  max: number;
  slo: ServiceLevels;
  /** `--report FILE.html`: a self-contained HTML report with charts. */
  reportFile?: string;
}

const DEFAULTS = { users: 1000, items: 5000, rate: 100, durationMs: 60_000 } as const;
/** Defaults of `--ramp`; `--max-in-flight` defaults to 32 there (POST and GET each). */
export const RAMP_DEFAULTS = {
  start: 100,
  step: { kind: 'multiply', by: 1.5 },
  stepDurationMs: 10_000,
  warmupMs: 5000,
  max: 100_000,
  slo: { postP99Ms: 50, getP99Ms: 50, freshnessP99Ms: 1000, errorRate: 0.01, minAchieved: 0.9 },
} as const satisfies RampOptions;
/** A ramp plan longer than this is refused: every run stays bounded in time. */
export const MAX_RAMP_STEPS = 100;
const FLAGS_WITHOUT_VALUE = new Set(['--ramp']);
const RAMP_ONLY = ['--ramp-start', '--ramp-step', '--step-duration', '--warmup', '--ramp-max', '--report'];
const SLO_FLAGS = ['--slo-post-p99', '--slo-get-p99', '--slo-freshness-p99', '--slo-error-rate', '--slo-min-achieved'];
const KNOWN = ['--url', '--users', '--items', '--rate', '--duration', '--seed', '--categories', '--api-key', '--rec-share', '--max-in-flight', '--ramp', ...RAMP_ONLY, ...SLO_FLAGS];
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `60s`, `2m`, `500ms`, `1h` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] ?? 's'];
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag}: must be a positive integer`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new Error(`${flag}: must be a positive number`);
  return n;
}

function share(flag: string, text: string, allowZero: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1 || (n === 0 && !allowZero)) {
    throw new Error(`${flag}: must be a number from ${allowZero ? 0 : 'above 0'} to 1`);
  }
  return n;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  // `0.2ms` rounds to 0: as useless as no duration.
  if (ms === undefined || ms === 0) throw new Error(`${flag}: must be a positive duration like 60s, 2m or 500ms`);
  return ms;
}

/** Parses `--ramp-step`: `x1.5`, `*1.5` or `1.5x` multiply (by more than 1), `+100` adds. */
export function parseRampStep(text: string): RampStep | undefined {
  const multiply = /^(?:[x*](\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)x)$/.exec(text.trim());
  if (multiply !== null) {
    const by = Number(multiply[1] ?? multiply[2]);
    return by > 1 ? { kind: 'multiply', by } : undefined;
  }
  const add = /^\+(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (add === null) return undefined;
  const by = Number(add[1]);
  return by > 0 ? { kind: 'add', by } : undefined;
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--url: must be an absolute http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('--url: must use http or https');
  if (url.search !== '' || url.hash !== '') throw new Error('--url: must not have a query or fragment');
  return url.toString();
}

/**
 * Parses the arguments after `eddy simulate` (`--flag value` or `--flag=value`). Throws an Error
 * whose message starts with the offending flag.
 */
export function parseSimulateArgs(argv: string[]): SimulateOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`${arg}: unexpected argument (options are --flag value)`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (FLAGS_WITHOUT_VALUE.has(flag)) {
      if (eq !== -1) throw new Error(`${flag}: takes no value`);
      values.set(flag, '');
      continue;
    }
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${flag}: needs a value`);
      i += 1;
    }
    values.set(flag, value);
  }

  const options: SimulateOptions = { url: '', ...DEFAULTS, seed: Math.floor(Math.random() * 2 ** 31) };
  for (const [flag, value] of values) {
    switch (flag) {
      case '--url':
        options.url = checkUrl(value);
        break;
      case '--users':
        options.users = positiveInt(flag, value);
        break;
      case '--items':
        options.items = positiveInt(flag, value);
        break;
      case '--rate':
        options.rate = positiveNumber(flag, value);
        break;
      case '--duration':
        options.durationMs = duration(flag, value);
        break;
      case '--seed':
        if (!/^\d+$/.test(value) || Number(value) > 2 ** 32 - 1) throw new Error('--seed: must be an integer from 0 to 4294967295');
        options.seed = Number(value);
        break;
      case '--categories':
        options.categories = positiveInt(flag, value);
        break;
      case '--api-key':
        if (value === '') throw new Error('--api-key: must not be empty');
        options.apiKey = value;
        break;
      case '--rec-share':
        options.recShare = share(flag, value, true);
        break;
      case '--max-in-flight':
        options.maxInFlight = positiveInt(flag, value);
        options.maxRecInFlight = options.maxInFlight;
        break;
      case '--ramp':
        break;
      default:
        if (!RAMP_ONLY.includes(flag) && !SLO_FLAGS.includes(flag)) throw new Error(`${flag}: unknown option (known: ${KNOWN.join(' ')})`);
    }
  }
  if (options.url === '') throw new Error('--url: is required (the base URL of a running instance, e.g. http://127.0.0.1:8080)');
  if (values.has('--ramp')) options.ramp = parseRamp(values);
  else {
    const rampOnly = [...values.keys()].find((flag) => RAMP_ONLY.includes(flag) || SLO_FLAGS.includes(flag));
    if (rampOnly !== undefined) throw new Error(`${rampOnly}: only with --ramp`);
  }
  return options;
}

/** The `--ramp` options out of the parsed flags (which are known to be valid names). */
function parseRamp(values: ReadonlyMap<string, string>): RampOptions {
  if (values.has('--rate')) throw new Error('--rate: not used with --ramp (the rate is --ramp-start, then --ramp-step)');
  if (values.has('--duration')) throw new Error('--duration: not used with --ramp (each step lasts --step-duration)');
  const ramp: RampOptions = { ...RAMP_DEFAULTS, slo: { ...RAMP_DEFAULTS.slo } };
  const { slo } = ramp;
  for (const [flag, value] of values) {
    switch (flag) {
      case '--ramp-start':
        ramp.start = positiveNumber(flag, value);
        break;
      case '--ramp-step': {
        const step = parseRampStep(value);
        if (step === undefined) throw new Error(`--ramp-step: must be x1.5 (multiply by more than 1) or +100 (add), got "${value}"`);
        ramp.step = step;
        break;
      }
      case '--step-duration':
        ramp.stepDurationMs = duration(flag, value);
        break;
      case '--warmup':
        ramp.warmupMs = value.trim() === '0' ? 0 : duration(flag, value);
        break;
      case '--ramp-max':
        ramp.max = positiveNumber(flag, value);
        break;
      case '--report':
        if (!/\.html?$/i.test(value)) throw new Error('--report: must name an .html file');
        ramp.reportFile = value;
        break;
      case '--slo-post-p99':
        slo.postP99Ms = duration(flag, value);
        break;
      case '--slo-get-p99':
        slo.getP99Ms = duration(flag, value);
        break;
      case '--slo-freshness-p99':
        slo.freshnessP99Ms = duration(flag, value);
        break;
      case '--slo-error-rate':
        slo.errorRate = share(flag, value, true);
        break;
      case '--slo-min-achieved':
        slo.minAchieved = share(flag, value, true);
        break;
    }
  }
  if (ramp.max < ramp.start) throw new Error(`--ramp-max: must be at least --ramp-start (${ramp.start})`);
  const steps = rampRates(ramp.start, ramp.step, ramp.max, MAX_RAMP_STEPS + 1).length;
  if (steps > MAX_RAMP_STEPS) {
    throw new Error(`--ramp-step: from ${ramp.start} to --ramp-max ${ramp.max} takes more than ${MAX_RAMP_STEPS} steps; take bigger steps or a lower --ramp-max`);
  }
  return ramp;
}
