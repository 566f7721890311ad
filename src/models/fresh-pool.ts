// The index of exploration's item counters that serving reads on every request. Walking every
// fresh item per request (and drawing a Beta sample for each) cost a warm request milliseconds
// with a few thousand fresh items (bench/recommend-cpu.ts); the index keeps the two sets a pick
// needs, maintained as counters change:
// - never-shown items in the order exploration shows them (longest-waiting first), so a pick reads
//   the first few instead of sorting the pool;
// - shown items in an array, so a bounded random subset costs O(subset).

import type { Rng } from './exploration.ts';

/** What the index reads of an item's counters. */
export interface PoolEntry {
  readonly impressions: number;
  readonly publishedAt: number;
}

interface Waiting {
  readonly id: string;
  readonly publishedAt: number;
  /** Registration order: ties of publishedAt go to the item registered first. */
  readonly seq: number;
}

function ahead(a: Waiting, b: Waiting): boolean {
  return a.publishedAt < b.publishedAt || (a.publishedAt === b.publishedAt && a.seq < b.seq);
}

/** See the file header. `file` must be called after every change of an item's counters. */
export class FreshPool {
  /** Never-shown items by (publishedAt, seq); entries no longer in `live` are dropped lazily. */
  private waiting: Waiting[] = [];
  private readonly live = new Map<string, Waiting>();
  private dead = 0;
  private readonly shown: string[] = [];
  private readonly shownAt = new Map<string, number>();
  private seq = 0;

  /** Puts an item where its counters say (waiting while never shown, else shown). */
  file(id: string, entry: PoolEntry): void {
    const current = this.live.get(id);
    if (entry.impressions === 0) {
      if (current !== undefined && current.publishedAt === entry.publishedAt) return;
      this.unwait(id);
      this.unshow(id);
      this.insert({ id, publishedAt: entry.publishedAt, seq: current?.seq ?? this.seq++ });
      return;
    }
    this.unwait(id);
    if (!this.shownAt.has(id)) {
      this.shownAt.set(id, this.shown.length);
      this.shown.push(id);
    }
  }

  /** Forgets an item (pruned). */
  remove(id: string): void {
    this.unwait(id);
    this.unshow(id);
  }

  /** Re-files every item at once, in registration order (a restore; one sort instead of n inserts). */
  rebuild(entries: Iterable<[string, PoolEntry]>): void {
    this.waiting = [];
    this.live.clear();
    this.dead = 0;
    this.shown.length = 0;
    this.shownAt.clear();
    for (const [id, entry] of entries) {
      if (entry.impressions > 0) {
        this.shownAt.set(id, this.shown.length);
        this.shown.push(id);
        continue;
      }
      const w = { id, publishedAt: entry.publishedAt, seq: this.seq++ };
      this.waiting.push(w);
      this.live.set(id, w);
    }
    this.waiting.sort((a, b) => (ahead(a, b) ? -1 : ahead(b, a) ? 1 : 0));
  }

  /** Up to `n` never-shown items that `accept` takes, longest-waiting first. */
  firstWaiting(n: number, accept: (id: string) => boolean): string[] {
    const out: string[] = [];
    if (n <= 0) return out;
    if (this.dead > 64 && this.dead * 2 > this.waiting.length) this.compact();
    for (const w of this.waiting) {
      if (this.live.get(w.id) !== w || !accept(w.id)) continue;
      out.push(w.id);
      if (out.length >= n) break;
    }
    return out;
  }

  /** Shown items that `accept` takes: every one while there are at most `max`, else `max` drawn at random (then filtered). */
  sampleShown(max: number, rng: Rng, accept: (id: string) => boolean): string[] {
    const { shown } = this;
    if (shown.length <= max) return shown.filter(accept);
    const taken = new Set<number>();
    const out: string[] = [];
    // Distinct random positions; max is far below shown.length here, so retries are rare.
    for (let tries = 0; taken.size < max && tries < 4 * max; tries++) {
      const i = Math.floor(rng() * shown.length);
      if (taken.has(i)) continue;
      taken.add(i);
      if (accept(shown[i])) out.push(shown[i]);
    }
    return out;
  }

  get waitingCount(): number {
    return this.live.size;
  }

  get shownCount(): number {
    return this.shown.length;
  }

  private insert(w: Waiting): void {
    const list = this.waiting;
    // Items are registered as they arrive, so the common case appends.
    let lo = 0;
    let hi = list.length;
    if (hi === 0 || ahead(list[hi - 1], w)) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ahead(list[mid], w)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, w);
    this.live.set(w.id, w);
  }

  private unwait(id: string): void {
    if (this.live.delete(id)) this.dead++;
  }

  private unshow(id: string): void {
    const at = this.shownAt.get(id);
    if (at === undefined) return;
    const last = this.shown.pop()!;
    this.shownAt.delete(id);
    if (last !== id) {
      this.shown[at] = last;
      this.shownAt.set(last, at);
    }
  }

  private compact(): void {
    this.waiting = this.waiting.filter((w) => this.live.get(w.id) === w);
    this.dead = 0;
  }
}
