/**
 * The HTTP load generator of the bench, in its own process (so the client does not share the
 * server's event loop), driven by one JSON argument and answering one JSON line on stdout. A load
 * with a `rate` is paced evenly and open-loop (paced-load.ts); one without runs autocannon as fast
 * as the server answers.
 *
 *   node --import tsx bench/load-generator.ts '{"url":"http://127.0.0.1:8080","kind":"ingest",...}'
 *
 * Kinds: `get` (one fixed path), `recommendations` (a different user per request) and `ingest`
 * (`POST /v1/events` as NDJSON, `batch` events per request, every event id new so nothing is a
 * duplicate).
 */
import autocannon, { type Request } from 'autocannon';
import { Rng } from '../src/sim/random.ts';
import { pacedLoad } from './paced-load.ts';
import { percentile, round } from './stats.ts';

export interface LoadSpec {
  readonly url: string;
  readonly kind: 'get' | 'recommendations' | 'ingest';
  /** For `get`. */
  readonly path?: string;
  readonly connections: number;
  readonly durationS: number;
  /**
   * Requests per second over all connections, evenly spaced and open-loop (paced-load.ts, latency
   * from when each request was due); absent: as fast as the server answers (autocannon).
   */
  readonly rate?: number;
  /** Events per request for `ingest`. */
  readonly batch?: number;
  /** Users and items the generated events and requests spread over. */
  readonly users?: number;
  readonly items?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** For `ingest`: events in answered 2xx requests per second. */
  readonly events_per_sec?: number;
  /** Paced loads: how far behind schedule the client fell at worst, ms. */
  readonly client_lag_ms?: number;
}

// autocannon has been seen (rarely, under a loaded server) to leave its promise unsettled with
// nothing keeping the process alive: say so and fail, rather than exit 0 with no result.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  process.stderr.write('autocannon ended without a result\n');
  process.exit(3);
});

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const users = spec.users ?? 100_000;
  const items = spec.items ?? 10_000;
  const batch = spec.batch ?? 500;
  // Seeded: the same load in every run.
  const rng = new Rng(7);
  const rand = () => rng.next();
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  let n = 0;
  const ndjson = (): string => {
    const lines: string[] = new Array(batch);
    const now = Date.now();
    for (let i = 0; i < batch; i++, n++) {
      const u = Math.floor(rand() * users);
      // Popularity skew: squaring a uniform draw favours low item ids.
      const item = Math.floor(rand() ** 2 * items);
      lines[i] = `{"event_id":"${run}-${n}","user_id":"u${u}","session_id":"s${u}","timestamp":${now},"event_type":"${rand() < 0.3 ? 'click' : 'view'}","content_id":"c${item}"}`;
    }
    return lines.join('\n');
  };
  const path = (): string => `/v1/recommendations?user_id=u${Math.floor(rand() * users)}&k=10`;
  const seconds = spec.durationS;
  let out: LoadResult;
  if (spec.rate !== undefined) {
    const r = await pacedLoad({
      url: spec.url,
      connections: spec.connections,
      durationS: seconds,
      rate: spec.rate,
      warmUpPath: spec.kind === 'get' ? (spec.path ?? '/') : '/healthz',
      request: () =>
        spec.kind === 'ingest'
          ? { method: 'POST', path: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson() }
          : { method: 'GET', path: spec.kind === 'recommendations' ? path() : (spec.path ?? '/') },
    });
    const ms = [...r.latencies];
    out = {
      requests: r.requests,
      ok: r.ok,
      non2xx: r.non2xx,
      errors: r.errors,
      seconds,
      rps: r.ok / seconds,
      p50_ms: round(percentile(ms, 50)),
      p99_ms: round(percentile(ms, 99)),
      ...(spec.kind === 'ingest' && { events_per_sec: (r.ok * batch) / seconds }),
      client_lag_ms: round(r.maxSendLagMs),
    };
  } else {
    const request: Request =
      spec.kind === 'ingest'
        ? { method: 'POST', path: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, setupRequest: (req: Request) => ({ ...req, body: ndjson() }) }
        : spec.kind === 'recommendations'
          ? { method: 'GET', setupRequest: (req: Request) => ({ ...req, path: path() }) }
          : { method: 'GET', path: spec.path ?? '/' };
    const result = await autocannon({ url: spec.url, connections: spec.connections, duration: seconds, requests: [request] });
    const ok = result['2xx'];
    out = {
      requests: result.requests.total,
      ok,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      seconds,
      rps: ok / seconds,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      ...(spec.kind === 'ingest' && { events_per_sec: (ok * batch) / seconds }),
    };
  }
  finished = true;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
