// Exploration for fresh content. A ranker trained on interactions never shows an item nobody has
// seen, so new items would never collect the evidence they need. A small share of each served list
// goes to fresh items chosen by Thompson sampling on Beta(clicks + 1, impressions - clicks + 1):
// unseen items draw from a uniform prior and get shown, items that keep failing fade out.
// Chapelle & Li, "An Empirical Evaluation of Thompson Sampling", NIPS 2011.

import { ByteReader, ByteWriter } from '../stream/state/bytes.ts';
import { FreshPool } from './fresh-pool.ts';

/** A source of uniform numbers in [0, 1); inject a seeded one for reproducible runs. */
export type Rng = () => number;

/** An Rng whose position can be saved and set again (models commit it, so a restart draws on as before). */
export interface SeededRng extends Rng {
  state: number;
}

/** Small, fast, seedable PRNG (mulberry32); good enough for sampling, not for cryptography. */
export function mulberry32(seed: number): SeededRng {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRng;
  Object.defineProperty(next, 'state', { get: () => a, set: (v: number) => void (a = v | 0) });
  return next;
}

/** Standard normal draw (Box-Muller); 1 - u keeps log() away from 0. */
function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) draw, Marsaglia & Tsang (2000); shape < 1 via the boost u^(1/shape). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) draw as a ratio of gammas. */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x / (x + y);
}

/** Options of {@link Exploration}. */
export interface ExplorationOptions {
  /** share of served slots given to exploration (0..1). */
  share?: number;
  /** items published less than this long ago (ms) are fresh. */
  maxAgeMs?: number;
  /** items with fewer impressions than this are fresh, whatever their age. */
  minImpressions?: number;
  /**
   * only items registered with {@link Exploration.addItem} can be fresh. Serving sets it: there the
   * fresh pool is the newly catalogued items, and an old item that simply was never shown must not
   * take an exploration slot from them; and a registered item is fresh while it is young *and*
   * short of impressions.
   */
  onlyKnown?: boolean;
}

interface ItemStats {
  impressions: number;
  clicks: number;
  publishedAt: number;
  /** Registration order (ties of publishedAt wait in it); committed, so a restore keeps it. */
  seq: number;
}

/** The first byte of an item's committed record (see {@link Exploration.itemRecord}). */
const ITEM_COUNTERS = 0;
const ITEM_GRADUATED = 1;

/** JSON shape of an {@link Exploration} snapshot. */
export interface ExplorationSnapshot {
  kind: 'exploration';
  share: number;
  maxAgeMs: number;
  minImpressions: number;
  onlyKnown?: boolean;
  items: [string, number, number, number][];
  graduated: string[];
}

/** Thompson-sampling exploration over fresh items; see the file header. */
export class Exploration {
  readonly share: number;
  readonly maxAgeMs: number;
  readonly minImpressions: number;
  readonly onlyKnown: boolean;
  private readonly stats = new Map<string, ItemStats>();
  /** Items pruned after leaving the fresh set; a bare id costs less than its counters. */
  private readonly graduated = new Set<string>();
  /** The counters indexed for serving's per-request pick (see fresh-pool.ts). */
  private readonly pool = new FreshPool();
  private nextSeq = 0;
  /** Items whose counters changed, or that graduated, since the last {@link takeChanged}. */
  private readonly changed = new Set<string>();

  constructor(options: ExplorationOptions = {}) {
    this.share = options.share ?? 0.1;
    this.maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
    this.minImpressions = options.minImpressions ?? 100;
    this.onlyKnown = options.onlyKnown ?? false;
    if (this.share < 0 || this.share > 1) throw new RangeError(`share must be in 0..1, got ${this.share}`);
  }

  private entry(item: string): ItemStats {
    let s = this.stats.get(item);
    if (s === undefined) {
      // unknown publication time: treat the item as published long ago, so only the impression
      // rule can make it fresh
      s = { impressions: 0, clicks: 0, publishedAt: -Infinity, seq: this.nextSeq++ };
      this.stats.set(item, s);
    }
    this.changed.add(item);
    return s;
  }

  /** Registers a catalogue item and when it was published (epoch ms). */
  addItem(item: string, publishedAt: number): void {
    const s = this.entry(item);
    s.publishedAt = publishedAt;
    this.pool.file(item, s);
  }

  /** Whether the item has counters (it was registered, shown or clicked and not pruned). */
  has(item: string): boolean {
    return this.stats.has(item);
  }

  /** Counts one showing of an item. */
  recordImpression(item: string): void {
    if (this.graduated.has(item) || (this.onlyKnown && !this.stats.has(item))) return;
    const s = this.entry(item);
    s.impressions++;
    this.pool.file(item, s);
  }

  /** Counts one click; a click without a recorded impression also counts as one. */
  recordClick(item: string): void {
    if (this.graduated.has(item) || (this.onlyKnown && !this.stats.has(item))) return;
    const s = this.entry(item);
    s.clicks++;
    if (s.impressions < s.clicks) s.impressions = s.clicks;
    this.pool.file(item, s);
  }

  /** Impressions and clicks so far. */
  statsOf(item: string): { impressions: number; clicks: number } {
    const s = this.stats.get(item);
    return { impressions: s?.impressions ?? 0, clicks: s?.clicks ?? 0 };
  }

  /** Whether an item is still being explored at time `now` (epoch ms). */
  isFresh(item: string, now = Date.now()): boolean {
    const s = this.stats.get(item);
    if (s === undefined) return !this.onlyKnown && !this.graduated.has(item);
    // registered items only: fresh means young and still short of impressions
    if (this.onlyKnown) return s.impressions < this.minImpressions && now - s.publishedAt < this.maxAgeMs;
    return s.impressions < this.minImpressions || now - s.publishedAt < this.maxAgeMs;
  }

  /** The registered items still fresh at `now` (the pool serving explores). A walk over every item: serving reads {@link waitingFresh} and {@link shownFresh}. */
  freshItems(now = Date.now()): string[] {
    const out: string[] = [];
    for (const id of this.stats.keys()) if (this.isFresh(id, now)) out.push(id);
    return out;
  }

  /**
   * Up to `n` fresh items never shown that `accept` takes, longest-waiting first: the ones a pick
   * explores before any Thompson draw (they draw 2, see {@link place}), read from the index.
   */
  waitingFresh(now: number, n: number, accept: (id: string) => boolean): string[] {
    return this.pool.firstWaiting(n, (id) => this.isFresh(id, now) && accept(id));
  }

  /**
   * Fresh items shown before that `accept` takes, to compete by Thompson draws: all of them while
   * there are at most `max`, else `max` chosen at random. With hundreds of barely-shown items the
   * best draw comes from one of the most uncertain anyway, so a random subset changes little of
   * what is explored, and a request draws at most `max` Betas instead of one per fresh item.
   */
  shownFresh(now: number, max: number, rng: Rng, accept: (id: string) => boolean): string[] {
    return this.pool.sampleShown(max, rng, (id) => this.isFresh(id, now) && accept(id));
  }

  /** One Thompson draw of an item's click rate. */
  sample(item: string, rng: Rng): number {
    const s = this.statsOf(item);
    return sampleBeta(s.clicks + 1, s.impressions - s.clicks + 1, rng);
  }

  /**
   * Builds a served list of `slots` items from `candidates` (ranked best first by the main
   * model). About `share * slots` positions (rounded at random, so small lists explore too on
   * average) go to fresh items from `candidates` and `freshPool`: never-shown ones first (oldest
   * first), then by Thompson sampling; they are spread evenly so the top slot stays the model's best guess. Does not record
   * impressions: the caller does once the list is really shown.
   */
  pick(candidates: readonly string[], slots: number, rng: Rng, freshPool: readonly string[] = [], now = Date.now()): string[] {
    return this.place(candidates, slots, this.exploreSlots(slots, rng), rng, freshPool, now);
  }

  /** How many of `slots` go to exploration this time: `share * slots`, rounded up at random by its fraction. */
  exploreSlots(slots: number, rng: Rng): number {
    const want = this.share * slots;
    const n = Math.floor(want);
    return rng() < want - n ? n + 1 : n;
  }

  /** {@link pick} with the number of explored slots drawn already ({@link exploreSlots}). */
  place(candidates: readonly string[], slots: number, nExplore: number, rng: Rng, freshPool: readonly string[] = [], now = Date.now()): string[] {
    const fresh = new Set<string>();
    for (const id of freshPool) if (this.isFresh(id, now)) fresh.add(id);
    for (const id of candidates) if (this.isFresh(id, now)) fresh.add(id);
    // Never-shown items go first, longest-waiting first: a new item's first impression then comes
    // within (never-shown items ahead of it) / (explored slots per list) requests, whatever the
    // pool's size. Shown ones compete by a Thompson draw.
    const draws = [...fresh].map((id) => {
      const s = this.stats.get(id);
      return { id, p: s !== undefined && s.impressions === 0 ? 2 : this.sample(id, rng), since: s?.publishedAt ?? 0 };
    });
    draws.sort((a, b) => b.p - a.p || a.since - b.since);
    const explore = draws.slice(0, Math.min(nExplore, slots)).map((d) => d.id);
    const chosen = new Set(explore);
    const exploit = candidates.filter((id) => !chosen.has(id));
    const out: string[] = [];
    // positions k*slots/(n+1) spread the explored items through the list
    const at = new Set(explore.map((_, j) => Math.min(slots - 1, Math.floor(((j + 1) * slots) / (explore.length + 1)))));
    let e = 0;
    let x = 0;
    for (let pos = 0; pos < slots; pos++) {
      if (at.has(pos) && e < explore.length) out.push(explore[e++]);
      else if (x < exploit.length) out.push(exploit[x++]);
      else if (e < explore.length) out.push(explore[e++]);
    }
    while (e < explore.length && out.length < slots) out.push(explore[e++]);
    return out;
  }

  /** Drops counters of items no longer fresh at `now`, so memory follows the fresh set. */
  prune(now = Date.now()): number {
    let n = 0;
    for (const [id] of this.stats) {
      if (!this.isFresh(id, now)) {
        this.stats.delete(id);
        this.pool.remove(id);
        this.graduated.add(id);
        this.changed.add(id);
        n++;
      }
    }
    return n;
  }

  /** The items changed since the last call (their records are what a commit writes); clears the set. */
  takeChanged(): string[] {
    const ids = [...this.changed];
    this.changed.clear();
    return ids;
  }

  /** Marks every item changed (a commit then writes every record, e.g. after a restore from a snapshot). */
  markAllChanged(): void {
    for (const id of this.stats.keys()) this.changed.add(id);
    for (const id of this.graduated) this.changed.add(id);
  }

  /**
   * One item's committed record: its counters (impressions, clicks, publication time, registration
   * order), or that it graduated; undefined for an item exploration does not know.
   */
  itemRecord(item: string): Buffer | undefined {
    const s = this.stats.get(item);
    if (s === undefined) return this.graduated.has(item) ? Buffer.from([ITEM_GRADUATED]) : undefined;
    return new ByteWriter(32)
      .uint(ITEM_COUNTERS)
      .f64(s.impressions)
      .f64(s.clicks)
      .f64(Number.isFinite(s.publishedAt) ? s.publishedAt : -1)
      .uint(s.seq)
      .finish();
  }

  /**
   * Loads committed item records ({@link itemRecord}): a replica following commits, or a restore.
   * Items are filed in registration order; with `rebuild` the serving index is rebuilt at once
   * (many records: one sort instead of an insert each).
   */
  restoreItems(records: readonly (readonly [string, Buffer])[], rebuild: boolean): void {
    const items: [string, ItemStats][] = [];
    for (const [id, bytes] of records) {
      const r = new ByteReader(bytes);
      if (r.uint() === ITEM_GRADUATED) {
        this.stats.delete(id);
        this.pool.remove(id);
        this.graduated.add(id);
        continue;
      }
      const impressions = r.f64();
      const clicks = r.f64();
      const published = r.f64();
      const stats: ItemStats = { impressions, clicks, publishedAt: published === -1 ? -Infinity : published, seq: r.uint() };
      this.graduated.delete(id);
      items.push([id, stats]);
    }
    items.sort((a, b) => a[1].seq - b[1].seq);
    for (const [id, stats] of items) {
      const held = this.stats.get(id);
      if (held !== undefined) Object.assign(held, stats);
      else this.stats.set(id, stats);
      if (stats.seq >= this.nextSeq) this.nextSeq = stats.seq + 1;
      if (!rebuild) this.pool.file(id, held ?? stats);
    }
    if (rebuild) this.pool.rebuild([...this.stats].sort((a, b) => a[1].seq - b[1].seq));
  }

  /** Snapshot as plain JSON. */
  toJSON(): ExplorationSnapshot {
    const items: [string, number, number, number][] = [];
    for (const [id, s] of this.stats) items.push([id, s.impressions, s.clicks, Number.isFinite(s.publishedAt) ? s.publishedAt : -1]);
    return { kind: 'exploration', share: this.share, maxAgeMs: this.maxAgeMs, minImpressions: this.minImpressions, onlyKnown: this.onlyKnown, items, graduated: [...this.graduated] };
  }

  /** Restores from {@link Exploration.toJSON}. */
  static fromJSON(s: ExplorationSnapshot): Exploration {
    const e = new Exploration({ share: s.share, maxAgeMs: s.maxAgeMs, minImpressions: s.minImpressions, onlyKnown: s.onlyKnown ?? false });
    for (const [id, impressions, clicks, publishedAt] of s.items) {
      e.stats.set(id, { impressions, clicks, publishedAt: publishedAt === -1 ? -Infinity : publishedAt, seq: e.nextSeq++ });
    }
    for (const id of s.graduated) e.graduated.add(id);
    e.pool.rebuild(e.stats);
    return e;
  }
}
