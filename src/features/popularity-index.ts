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

/** A bounded top list of items whose scores only increase. */
class TopList {
  private items: ScoredItem[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  offer(id: string, logScore: number): void {
    const at = this.index.get(id);
    if (at === undefined && this.items.length >= this.capacity && logScore <= this.items[this.items.length - 1].logScore) return;
    if (at !== undefined) this.items.splice(at, 1);
    else if (this.items.length >= this.capacity) this.items.pop();
    // Insertion by binary search: the list is sorted by descending score.
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].logScore >= logScore) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, { id, logScore });
    this.index.clear();
    this.items.forEach((item, i) => this.index.set(item.id, i));
  }

  top(): readonly ScoredItem[] {
    return this.items;
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
