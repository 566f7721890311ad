/**
 * Top items by forward-decayed popularity, overall and per category. Forward decay (Cormode et al.,
 * ICDE 2009) stores each item's score as log(sum(w * exp(lambda * t))): decaying all items to "now"
 * never changes their order, and an item's score only grows, so a top list is kept exactly by
 * looking at the one item that changed. Derived state: rebuilt from the item store on restore.
 */

const OVERALL = '*';

export interface ScoredItem {
  readonly id: string;
  readonly logScore: number;
}

/** Whether (score a, id a) ranks before b: higher score first, then smaller id. */
function before(score: number, id: string, b: ScoredItem): boolean {
  return score > b.logScore || (score === b.logScore && id < b.id);
}

/**
 * A bounded top list, kept sorted: an offer moves one entry (a binary search and a splice over at
 * most `capacity` entries), so a read costs nothing. Serving reads these lists on every request
 * while processing changes them on every event; sorting on read made reads the cost.
 */
class TopList {
  private readonly scores = new Map<string, number>();
  private readonly sorted: ScoredItem[] = [];

  constructor(private readonly capacity: number) {}

  offer(id: string, logScore: number): void {
    const current = this.scores.get(id);
    if (current === logScore) return;
    const list = this.sorted;
    if (current !== undefined) {
      list.splice(list.findIndex((s) => s.id === id), 1);
    } else if (list.length >= this.capacity) {
      const last = list[list.length - 1];
      if (!before(logScore, id, last)) return;
      list.pop();
      this.scores.delete(last.id);
    }
    this.scores.set(id, logScore);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(list[mid].logScore, list[mid].id, { id, logScore })) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, { id, logScore });
  }

  /** Best first; the caller must not keep it across changes (it is the live list). */
  top(): readonly ScoredItem[] {
    return this.sorted;
  }
}

export class PopularityIndex {
  private readonly lists = new Map<string, TopList>();

  constructor(private readonly capacity = 200) {}

  /** Records an item's new score (scores only increase between resets). */
  offer(id: string, category: string | undefined, logScore: number): void {
    this.list(OVERALL).offer(id, logScore);
    if (category !== undefined) this.list(category).offer(id, logScore);
  }

  private list(key: string): TopList {
    let l = this.lists.get(key);
    if (l === undefined) {
      l = new TopList(this.capacity);
      this.lists.set(key, l);
    }
    return l;
  }

  /** The most popular items, overall or in a category, best first. */
  top(category?: string): readonly ScoredItem[] {
    return this.lists.get(category ?? OVERALL)?.top() ?? [];
  }

  categories(): string[] {
    return [...this.lists.keys()].filter((k) => k !== OVERALL);
  }

  clear(): void {
    this.lists.clear();
  }
}
