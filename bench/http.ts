/**
 * HTTP figures of the bench, with load from a separate process (load-generator.ts): autocannon as
 * fast as the server answers for the ceilings, an evenly paced open-loop load for the fixed rates
 * (latency counted from when each request was due: paced-load.ts):
 * - `bare_fastify_rps`: a route answering a constant on the same stack (Fastify, this Node), the
 *   ceiling any route of eddy is measured against;
 * - `http_ingest_events_per_sec`: `POST /v1/events` as NDJSON, 500 events a request, keep-alive;
 * - `serve_max_rps`: the highest GET /v1/recommendations rate with p99 <= 10 ms;
 * - `serve_p50_ms` / `serve_p99_ms`: 2,000 recommendation requests/s while 20,000 events/s are ingested;
 * - `freshness_p99_ms`: POST answered -> visible in recommendations, under the same ingest.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { startEmbeddedInstance, type Instance } from '../src/deploy/embedded.ts';
import { buildApp } from '../src/serving/app.ts';
import { freshnessOf } from './freshness.ts';
import type { LoadResult, LoadSpec } from './load-generator.ts';
import { syntheticEvents } from './synthetic-events.ts';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
const USERS = 100_000;
const ITEMS = 10_000;

/** Runs one load in its own process and resolves with what it measured; a run that fails is tried once more. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  try {
    return await loadOnce(spec);
  } catch (error) {
    process.stderr.write(`  (a ${spec.kind} load failed, running it again: ${String((error as Error).message).slice(0, 300)})\n`);
    return loadOnce(spec);
  }
}

function loadOnce(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', GENERATOR, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || line === undefined || line === '') reject(new Error(`load generator exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as LoadResult);
    });
  });
}

export interface HttpFigures {
  bare_fastify_rps: number;
  http_ingest_events_per_sec: number;
  /** Events processed per second over the ingest run and its drain. */
  http_ingest_processed_per_sec: number;
  serve_max_rps: number;
  /** The GET rates tried for serve_max_rps, with their p99. */
  serve_steps: { rate: number; rps: number; p99_ms: number }[];
  serve_p50_ms: number;
  serve_p99_ms: number;
  /** Ingest achieved while serve_p50/p99 were measured (target 20,000). */
  serve_under_ingest_events_per_sec: number;
  freshness_p99_ms: number;
  freshness_p50_ms: number;
  /** Trials of the freshness figure not visible within 30 s (counted as 30 s). */
  freshness_censored_trials: number;
}

/** An embedded instance with a catalogue and some history, served on a loopback port. */
export async function servedInstance(dir: string): Promise<{ instance: Instance; url: string; close: () => Promise<void> }> {
  const instance = await startEmbeddedInstance({ dataDir: dir, durability: 'full', maxLag: Number.MAX_SAFE_INTEGER });
  const app = buildApp({ instance });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const cats = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const items = Array.from({ length: ITEMS }, (_, i) => ({ content_id: `c${i}`, category: cats[i % cats.length] }));
  await instance.ingest!.items(items);
  const history = syntheticEvents(50_000, { users: USERS, items: ITEMS, prefix: `h${Date.now()}` });
  for (let i = 0; i < history.length; i += 5000) await instance.ingest!.events(history.slice(i, i + 5000));
  await instance.drained(300_000);
  return {
    instance,
    url,
    close: async () => {
      await app.close();
      await instance.stop();
    },
  };
}

/** Requests/s of a Fastify route answering a constant: the stack's own ceiling. */
export async function bareFastifyRps(durationS: number): Promise<number> {
  const app = Fastify({ logger: false });
  app.get('/constant', async () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return (await load({ url, kind: 'get', path: '/constant', connections: 16, durationS })).rps;
  } finally {
    await app.close();
  }
}

export async function httpFigures(options: { durationS: number; log: (s: string) => void }): Promise<HttpFigures> {
  const { durationS, log } = options;
  const bare = await bareFastifyRps(durationS);
  log(`  bare Fastify: ${Math.round(bare)} requests/s`);

  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-http-'));
  const served = await servedInstance(dir);
  const { instance, url } = served;
  try {
    // Ingest as fast as it answers.
    const before = instance.processor?.stats.processed ?? 0;
    const t0 = performance.now();
    const ingest = await load({ url, kind: 'ingest', connections: 8, durationS, batch: 500, users: USERS, items: ITEMS });
    await instance.drained(600_000);
    const processedPerSec = ((instance.processor?.stats.processed ?? 0) - before) / ((performance.now() - t0) / 1000);
    log(`  POST /v1/events (NDJSON x500): ${Math.round(ingest.events_per_sec ?? 0)} events/s acknowledged (p99 ${ingest.p99_ms} ms), ${Math.round(processedPerSec)} events/s processed incl. drain`);

    // The highest recommendation rate with p99 <= 10 ms, alone: rates step up until two in a row
    // miss (one miss on this noisy machine is not the ceiling) or the answers fall behind the rate.
    const steps: HttpFigures['serve_steps'] = [];
    let max = 0;
    let misses = 0;
    for (const rate of [500, 1000, 2000, 4000, 8000, 16_000]) {
      const r = await load({ url, kind: 'recommendations', connections: 32, durationS: Math.min(durationS, 5), rate, users: USERS });
      steps.push({ rate, rps: Math.round(r.rps), p99_ms: r.p99_ms });
      log(`  GET /v1/recommendations at ${rate}/s: ${Math.round(r.rps)} answered/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
      if (r.rps < rate * 0.9) break;
      if (r.p99_ms > 10) {
        if (++misses === 2) break;
        continue;
      }
      misses = 0;
      max = r.rps;
    }

    // 2,000 requests/s while 20,000 events/s are ingested (40 requests/s of 500).
    const [ingesting, serving] = await Promise.all([
      load({ url, kind: 'ingest', connections: 4, durationS, rate: 40, batch: 500, users: USERS, items: ITEMS }),
      load({ url, kind: 'recommendations', connections: 32, durationS, rate: 2000, users: USERS }),
    ]);
    log(`  2,000 GET/s during ${Math.round(ingesting.events_per_sec ?? 0)} events/s: p50 ${serving.p50_ms} ms, p99 ${serving.p99_ms} ms (${Math.round(serving.rps)} answered/s)`);
    await instance.drained(600_000);

    // Freshness under 20,000 events/s.
    const background = load({ url, kind: 'ingest', connections: 4, durationS: durationS * 2, rate: 40, batch: 500, users: USERS, items: ITEMS });
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = await freshnessOf(instance, 100, { timeoutMs: 30_000, history: false, censor: true, untilMs: performance.now() + durationS * 2000 });
    await background;
    log(`  freshness under 20,000 events/s: p50 ${Math.round(fresh.p50)} ms, p99 ${Math.round(fresh.p99)} ms${fresh.censored > 0 ? ` (${fresh.censored} trials not visible within 30 s, counted as 30 s)` : ''}`);
    await instance.drained(600_000);

    return {
      bare_fastify_rps: Math.round(bare),
      http_ingest_events_per_sec: Math.round(ingest.events_per_sec ?? 0),
      http_ingest_processed_per_sec: Math.round(processedPerSec),
      serve_max_rps: Math.round(max),
      serve_steps: steps,
      serve_p50_ms: serving.p50_ms,
      serve_p99_ms: serving.p99_ms,
      serve_under_ingest_events_per_sec: Math.round(ingesting.events_per_sec ?? 0),
      freshness_p50_ms: Math.round(fresh.p50),
      freshness_p99_ms: Math.round(fresh.p99),
      freshness_censored_trials: fresh.censored,
    };
  } finally {
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
