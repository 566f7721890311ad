/**
 * State at scale: an embedded instance fed until it holds `users` users and `items` items (every
 * user at least one event, item popularity Zipf-skewed), then its resident memory; then restarted
 * on the same folder, and the time until it serves again. Run in its own process so that RSS is
 * the instance's alone:
 *
 *   node --expose-gc --import tsx bench/state-size.ts '{"users":1000000,"items":100000}'
 *
 * One JSON line on stdout: { rss_mb, restore_s, rss_after_restore_mb, events, ingest_events_per_sec }.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedInstance } from '../src/deploy/embedded.ts';
import { Rng, ZipfSampler } from '../src/sim/random.ts';

interface Spec {
  readonly users: number;
  readonly items: number;
  /** Events beyond one per user, spread over random users. */
  readonly extraEvents?: number;
}

const CHUNK = 5000;

function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
  const extra = spec.extraEvents ?? Math.round(spec.users / 2);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-state-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const instance = await startEmbeddedInstance({ dataDir: dir, durability: 'normal', maxLag: Number.MAX_SAFE_INTEGER });
    const categories = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (let i = 0; i < spec.items; i += CHUNK) {
      await instance.ingest.items(Array.from({ length: Math.min(CHUNK, spec.items - i) }, (_, j) => ({ content_id: `c${i + j}`, category: categories[(i + j) % categories.length] })));
    }
    const rng = new Rng(11);
    const zipf = new ZipfSampler(spec.items, 1.0);
    const total = spec.users + extra;
    const now = Date.now() - 3_600_000;
    const t0 = performance.now();
    for (let n = 0; n < total; n += CHUNK) {
      const events = Array.from({ length: Math.min(CHUNK, total - n) }, (_, j) => {
        const i = n + j;
        const u = i < spec.users ? i : rng.int(spec.users);
        return { event_id: `s-${i}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: now + Math.floor((i / total) * 3_000_000), event_type: rng.chance(0.3) ? 'click' : 'view', content_id: `c${zipf.sample(rng)}` };
      });
      await instance.ingest.events(events);
      // Keep the backlog (and so memory for it) bounded: this measures state, not the queue.
      if (instance.lag() > 100_000) await instance.drained(600_000);
      if ((n / CHUNK) % 40 === 0) log(`  state: ${n} / ${total} events, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
    }
    await instance.drained(600_000);
    const ingestRate = total / ((performance.now() - t0) / 1000);
    const rss = rssMb();
    await instance.stop();

    const r0 = performance.now();
    const restarted = await startEmbeddedInstance({ dataDir: dir, durability: 'normal' });
    const restoreS = (performance.now() - r0) / 1000;
    const rssAfter = rssMb();
    await restarted.stop();
    process.stdout.write(`${JSON.stringify({ rss_mb: rss, restore_s: Math.round(restoreS * 100) / 100, rss_after_restore_mb: rssAfter, events: total, ingest_events_per_sec: Math.round(ingestRate) })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
