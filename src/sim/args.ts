/**
 * Options of `eddy simulate` and their parsing. Every error names the flag it is about
 * (`--rate: must be a positive number`), so the fix is obvious from the message alone.
 */

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
}

const DEFAULTS = { users: 1000, items: 5000, rate: 100, durationMs: 60_000 } as const;
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
      case '--duration': {
        const ms = parseDuration(value);
        if (ms === undefined) throw new Error(`--duration: must be a positive duration like 60s, 2m or 500ms`);
        options.durationMs = ms;
        break;
      }
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
      default:
        throw new Error(`${flag}: unknown option (known: --url --users --items --rate --duration --seed --categories --api-key)`);
    }
  }
  if (options.url === '') throw new Error('--url: is required (the base URL of a running instance, e.g. http://127.0.0.1:8080)');
  return options;
}
