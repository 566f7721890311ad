/**
 * The CPU cost of one recommendation (issue 8, serving side): a realistic state built in process
 * through the real PersonalizationProcessor (users with skewed activity and a favourite category,
 * Zipf item popularity, a catalogue of which a share was added in the last day and so is fresh for
 * exploration), then `Recommender.recommend()` called back to back for warm users and for cold
 * ones, beside a baseline measured in the same run: reading the user's features alone through the
 * same feature store and the same await. Events keep arriving between measured calls (outside the
 * timings), as they do while serving, so per-row caches see rows change.
 *
 * Alone: `node --import tsx bench/recommend-cpu.ts [--quick] ['{"users":100000,...}']`; one JSON
 * line on stdout. Under a profiler: `node --cpu-prof --import tsx bench/recommend-cpu.ts --quick`.
 */
import { fileURLToPath } from 'node:url';
import { InProcessFeatureStore } from '../src/features/in-process-store.ts';
import type { LogRecord } from '../src/log/types.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from '../src/pipeline/personalization-processor.ts';
import { topicNames } from '../src/pipeline/topics.ts';
import { DEFAULT_RECOMMENDER, Recommender } from '../src/serving/recommender.ts';
import { Rng, ZipfSampler } from '../src/sim/random.ts';
import { TopologyDriver } from '../src/stream/driver.ts';
import { median, percentile, round } from './stats.ts';

export interface RecommendCpuSpec {
  readonly users: number;
  readonly items: number;
  /** Items catalogued in the last day (the exploration pool). */
  readonly freshItems: number;
  /** Interaction events before measuring (every user gets at least one). */
  readonly events: number;
  /** Measured calls per kind per run. */
  readonly calls: number;
  readonly runs: number;
  /** Events processed per measured call, between calls (20,000 events/s beside 2,000 requests/s). */
  readonly eventsPerCall: number;
  readonly k: number;
}

export const DEFAULT_SPEC: RecommendCpuSpec = { users: 100_000, items: 20_000, freshItems: 2_000, events: 500_000, calls: 4_000, runs: 3, eventsPerCall: 10, k: 10 };
export const QUICK_SPEC: RecommendCpuSpec = { ...DEFAULT_SPEC, events: 300_000, calls: 2_000, runs: 1 };

export interface CallFigures {
  readonly calls_per_sec: number;
  readonly p50_us: number;
  readonly p99_us: number;
}

export interface RecommendCpuFigures {
  readonly warm: CallFigures;
  readonly cold: CallFigures;
  /** Reading the user's features alone (store.user + store.streamTime), one await. */
  readonly baseline_user_read: CallFigures;
  /** Fresh items still in exploration's pool at the end (the pool shrinks as impressions graduate items). */
  readonly fresh_pool_end: number;
  readonly spec: RecommendCpuSpec;
}

const CATEGORIES = ['news', 'sports', 'tech', 'culture', 'science', 'travel', 'food', 'music'];
const BATCH = 5_000;
const HOUR = 3600_000;

/** The state: a processor fed through a topology driver, and events still to come. */
export class World {
  readonly topics = topicNames();
  readonly processor: PersonalizationProcessor;
  readonly driver: TopologyDriver;
  readonly recommender: Recommender;
  readonly store: InProcessFeatureStore;
  readonly warmUsers: string[] = [];
  private readonly rng = new Rng(8);
  private readonly itemZipf: ZipfSampler;
  private readonly userZipf: ZipfSampler;
  private readonly taste: Uint8Array;
  private clock: number;
  private offset = 0;
  private sequence = 0;

  constructor(private readonly spec: RecommendCpuSpec) {
    const processing: ProcessingConfig = { ...DEFAULT_PROCESSING, idleTimeoutMs: 0 };
    this.clock = Date.now() - 2 * HOUR;
    this.processor = new PersonalizationProcessor({ topics: this.topics, partitions: 4, local: true, config: processing, now: () => this.clock, wallClock: () => this.clock + 2 * HOUR });
    this.driver = new TopologyDriver(this.processor, { wallClock: () => this.clock });
    this.store = new InProcessFeatureStore(this.processor);
    this.recommender = new Recommender(this.store, DEFAULT_RECOMMENDER, processing.user, this.processor);
    this.itemZipf = new ZipfSampler(Math.ceil((spec.items - spec.freshItems) / CATEGORIES.length), 1.0);
    this.userZipf = new ZipfSampler(spec.users, 0.8);
    this.taste = new Uint8Array(spec.users).map((_, u) => u % CATEGORIES.length);
  }

  private record(topic: string, key: string, value: object, timestamp: number): LogRecord {
    return { topic, partition: 0, offset: this.offset++, key, value: Buffer.from(JSON.stringify(value)), timestamp, headers: {} };
  }

  /** The catalogue: old items first (added three days ago), then fresh ones over the last 20 hours. */
  catalogue(): void {
    const { items, freshItems } = this.spec;
    const old = items - freshItems;
    const now = this.clock;
    const records: LogRecord[] = [];
    for (let i = 0; i < items; i++) {
      this.clock = i < old ? now - 72 * HOUR : now - 20 * HOUR + Math.floor(((i - old) / freshItems) * 20 * HOUR);
      records.push(this.record(this.topics.catalog, `c${i}`, { content_id: `c${i}`, category: CATEGORIES[i % CATEGORIES.length] }, this.clock));
      // The processor reads its clock when it applies a batch: a fresh item goes alone, at its time.
      if (records.length === BATCH || i >= old - 1) this.process(records.splice(0));
    }
    this.clock = now;
  }

  /** The next `n` interactions: mostly the user's favourite category, Zipf within it; a few on fresh items. */
  events(n: number, everyUserFirst = false): void {
    const { users, items, freshItems } = this.spec;
    const old = items - freshItems;
    const rng = this.rng;
    const records: LogRecord[] = [];
    for (let j = 0; j < n; j++) {
      const s = this.sequence++;
      const u = everyUserFirst && s < users ? s : this.userZipf.sample(rng);
      let item: number;
      if (freshItems > 0 && rng.chance(0.03)) item = old + rng.int(freshItems);
      else {
        const cat = rng.chance(0.7) ? this.taste[u] : rng.int(CATEGORIES.length);
        item = Math.min(old - 1, this.itemZipf.sample(rng) * CATEGORIES.length + cat);
      }
      const r = rng.next();
      const type = r < 0.65 ? 'view' : r < 0.93 ? 'click' : r < 0.98 ? 'like' : 'share';
      this.clock += 5;
      records.push(this.record(this.topics.interactions, `u${u}`, { event_id: `e${s}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: this.clock, event_type: type, content_id: `c${item}` }, this.clock));
      if (records.length === BATCH || j === n - 1) this.process(records.splice(0));
    }
  }

  private process(records: LogRecord[]): void {
    this.driver.process(records);
    // Nothing to commit to: drop the change sets so that memory holds the state alone.
    this.driver.discard();
  }

  /** Users with a history of at least five items, in a fixed shuffled order. */
  pickWarmUsers(): void {
    for (const [id, user] of this.processor.users.entries()) if (user.recent.length >= 5) this.warmUsers.push(id);
    for (let i = this.warmUsers.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [this.warmUsers[i], this.warmUsers[j]] = [this.warmUsers[j], this.warmUsers[i]];
    }
  }
}

/** Times `calls` awaited calls of `call(i)`, with `between(i)` (untimed) after each. */
async function timeCalls(calls: number, call: (i: number) => Promise<unknown>, between: (i: number) => void): Promise<CallFigures> {
  const us: number[] = new Array(calls);
  let total = 0;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await call(i);
    const t = performance.now() - t0;
    us[i] = t * 1000;
    total += t;
    between(i);
  }
  return { calls_per_sec: Math.round(calls / (total / 1000)), p50_us: round(percentile(us, 50), 1), p99_us: round(percentile(us, 99), 1) };
}

function medianOf(runs: readonly CallFigures[]): CallFigures {
  return {
    calls_per_sec: Math.round(median(runs.map((r) => r.calls_per_sec))),
    p50_us: round(median(runs.map((r) => r.p50_us)), 1),
    p99_us: round(median(runs.map((r) => r.p99_us)), 1),
  };
}

export async function recommendCpu(spec: RecommendCpuSpec = DEFAULT_SPEC, log: (s: string) => void = () => {}): Promise<RecommendCpuFigures> {
  const world = new World(spec);
  const t0 = performance.now();
  world.catalogue();
  world.events(spec.events, true);
  world.pickWarmUsers();
  log(`  state: ${world.processor.users.size} users, ${world.processor.items.size} items, ${world.warmUsers.length} warm users, built in ${round((performance.now() - t0) / 1000, 1)} s`);
  const { recommender, store, warmUsers } = world;
  const k = spec.k;
  // Events between calls go in batches, as the stream task applies them.
  const every = Math.max(1, Math.round(1000 / spec.eventsPerCall));
  const between = (i: number) => {
    if (spec.eventsPerCall > 0 && i % every === every - 1) world.events(every * spec.eventsPerCall);
  };
  let w = 0;
  let c = 0;
  const warmCall = () => recommender.recommend({ userId: warmUsers[w++ % warmUsers.length], k });
  const coldCall = () => recommender.recommend({ userId: `cold-${c++}`, k });
  const userRead = () => Promise.all([store.user(warmUsers[w++ % warmUsers.length]), store.streamTime()]);
  // Warm-up: let the JIT settle on both paths.
  await timeCalls(Math.min(2000, spec.calls), warmCall, between);
  await timeCalls(Math.min(1000, spec.calls), coldCall, between);
  const warm: CallFigures[] = [];
  const cold: CallFigures[] = [];
  const base: CallFigures[] = [];
  for (let r = 0; r < spec.runs; r++) {
    base.push(await timeCalls(spec.calls, userRead, between));
    warm.push(await timeCalls(spec.calls, warmCall, between));
    cold.push(await timeCalls(spec.calls, coldCall, between));
    const fmt = (f: CallFigures) => `${f.calls_per_sec}/s, p50 ${f.p50_us} µs, p99 ${f.p99_us} µs`;
    log(`  run ${r + 1}: warm ${fmt(warm[r])}; cold ${fmt(cold[r])}; user read alone ${fmt(base[r])}`);
  }
  const pool = world.processor.models.exploration.freshItems(world.processor.stats.streamTime).length;
  return { warm: medianOf(warm), cold: medianOf(cold), baseline_user_read: medianOf(base), fresh_pool_end: pool, spec };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const given = process.argv.slice(2).find((a) => a.startsWith('{'));
  const spec = { ...(quick ? QUICK_SPEC : DEFAULT_SPEC), ...(given ? (JSON.parse(given) as Partial<RecommendCpuSpec>) : {}) };
  const figures = await recommendCpu(spec, (s) => process.stderr.write(`${s}\n`));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
