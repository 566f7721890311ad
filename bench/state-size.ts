/**
 * State at scale: an embedded instance fed until it holds `users` users and `items` items (every
 * user at least one event, item popularity Zipf-skewed), then its resident memory; then restarted
 * on the same folder, and the time until it serves again. Run in its own process so that RSS is
 * the instance's alone:
 *
 *   node --expose-gc --import tsx bench/state-size.ts '{"users":1000000,"items":100000}'
 *
 * One JSON line on stdout: { rss_mb, restore_s, rss_after_restore_mb, events, ingest_events_per_sec,
 * bytes_per_user, bytes_per_item } (the last two: mean committed bytes, as eddy_state_bytes_per_user
 * and eddy_state_bytes_per_item report them).
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
  /** Where the processor runs (default: the deployment's default, a worker thread). */
  readonly thread?: 'worker' | 'main';
}

const CHUNK = 5000;

interface Store {
  readonly size: number;
  snapshot(): { value: Buffer | null }[];
}

/** Mean committed bytes of a store's values. */
function meanBytes(store: Store): number {
  const writes = store.snapshot();
  return writes.length === 0 ? 0 : writes.reduce((n, w) => n + (w.value?.length ?? 0), 0) / writes.length;
}

/**
 * Mean committed bytes per user and per item (windows plus co-visitation row), from the stores'
 * changelog form, so that it reads the same on any version of the processor (a before/after pair).
 */
function stateSizesOf(processor: { users: Store; items: Store; covis: Store }): { perUser: number; perItem: number } {
  const perItem = meanBytes(processor.items) + (processor.items.size === 0 ? 0 : (meanBytes(processor.covis) * processor.covis.size) / processor.items.size);
  return { perUser: Math.round(meanBytes(processor.users)), perItem: Math.round(perItem) };
}

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
    const instance = await startEmbeddedInstance({ dataDir: dir, durability: 'normal', maxLag: Number.MAX_SAFE_INTEGER, processingThread: spec.thread });
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
    const sizes = stateSizesOf(instance.processor as unknown as { users: Store; items: Store; covis: Store });
    await instance.stop();

    const r0 = performance.now();
    const restarted = await startEmbeddedInstance({ dataDir: dir, durability: 'normal', processingThread: spec.thread });
    const restoreS = (performance.now() - r0) / 1000;
    const rssAfter = rssMb();
    await restarted.stop();
    process.stdout.write(`${JSON.stringify({ rss_mb: rss, restore_s: Math.round(restoreS * 100) / 100, rss_after_restore_mb: rssAfter, events: total, ingest_events_per_sec: Math.round(ingestRate), bytes_per_user: sizes.perUser, bytes_per_item: sizes.perItem })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
