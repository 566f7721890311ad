/**
 * Freshness: ms from a POST /v1/events being answered to the change being visible in
 * GET /v1/recommendations, over real HTTP on loopback. Each trial uses a new user: its list is
 * cold (trending) until the click is processed, then it carries the user's affinity.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedInstance, type Instance } from '../src/deploy/embedded.ts';
import { buildApp } from '../src/serving/app.ts';
import { percentile } from './stats.ts';
import { syntheticEvents } from './synthetic-events.ts';

export interface FreshnessRun {
  readonly p50: number;
  readonly p99: number;
  /** Trials whose change was not visible within the timeout: counted at the timeout (a lower bound). */
  readonly censored: number;
  readonly recommendP50: number;
  readonly recommendP99: number;
}

export async function freshness(trials: number, durability: 'full' | 'normal'): Promise<FreshnessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
  const instance = await startEmbeddedInstance({ dataDir: dir, durability });
  try {
    return await freshnessOf(instance, trials);
  } finally {
    await instance.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Freshness of a running instance (any log, any store), through its HTTP API on loopback. With
 * `history: false` the instance must already hold items `c0..c399` and some history.
 */
export async function freshnessOf(
  instance: Instance,
  trials: number,
  /**
   * `censor`: a trial past `timeoutMs` counts as `timeoutMs` instead of failing the run (under
   * overload the backlog can outgrow any timeout). `untilMs`: no trial starts after this
   * performance.now() time (the load it measures under has ended).
   */
  options: { timeoutMs?: number; history?: boolean; censor?: boolean; untilMs?: number } = {},
): Promise<FreshnessRun> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let censored = 0;
  const run = Date.now().toString(36);
  const app = buildApp({ instance });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    if (options.history ?? true) {
      const cats = ['a', 'b', 'c', 'd'];
      const items = Array.from({ length: 400 }, (_, i) => ({ content_id: `c${i}`, category: cats[i % 4] }));
      await fetch(`${base}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(items) });
      // Background history, so that recommendations have co-visitation and popularity to work with.
      const history = syntheticEvents(20_000, { users: 500, items: 400, prefix: `f${run}` });
      for (let i = 0; i < history.length; i += 1000) {
        await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(history.slice(i, i + 1000)) });
      }
      await instance.drained(120_000);
    }
    const visible: number[] = [];
    const serving: number[] = [];
    for (let t = 0; t < trials && (t === 0 || options.untilMs === undefined || performance.now() < options.untilMs); t++) {
      const user = `fresh-${run}-${t}`;
      const event = { event_id: `fe-${run}-${t}`, user_id: user, session_id: user, timestamp: Date.now(), event_type: 'click', content_id: `c${t % 400}` };
      await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      const answered = performance.now();
      for (;;) {
        const r0 = performance.now();
        const body = (await (await fetch(`${base}/v1/recommendations?user_id=${user}&k=10`)).json()) as { items: { reasons: string[] }[] };
        serving.push(performance.now() - r0);
        if (body.items.some((i) => !i.reasons.includes('trending'))) break;
        if (performance.now() - answered > timeoutMs) {
          if (!options.censor) throw new Error(`change not visible after ${timeoutMs} ms`);
          censored++;
          break;
        }
      }
      visible.push(Math.min(timeoutMs, performance.now() - answered));
    }
    return { p50: percentile(visible, 50), p99: percentile(visible, 99), censored, recommendP50: percentile(serving, 50), recommendP99: percentile(serving, 99) };
  } finally {
    await app.close();
  }
}
