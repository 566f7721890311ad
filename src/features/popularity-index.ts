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

/**
 * A bounded top list of items whose scores only increase. Offers are O(1) unless the weakest member
 * is replaced (O(capacity)); the sorted view is built on read, and only after a change.
 */
class TopList {
  private readonly scores = new Map<string, number>();
  private minId: string | undefined;
  private minScore = Number.POSITIVE_INFINITY;
  private sorted: ScoredItem[] | undefined;

  constructor(private readonly capacity: number) {}

  offer(id: string, logScore: number): void {
    const current = this.scores.get(id);
    if (current !== undefined) {
      if (logScore === current) return;
      this.scores.set(id, logScore);
      if (id === this.minId) this.findMin();
    } else if (this.scores.size < this.capacity) {
      this.scores.set(id, logScore);
      if (logScore < this.minScore) {
        this.minScore = logScore;
        this.minId = id;
      }
    } else {
      if (logScore <= this.minScore) return;
      this.scores.delete(this.minId!);
      this.scores.set(id, logScore);
      this.findMin();
    }
    this.sorted = undefined;
  }

  private findMin(): void {
    this.minScore = Number.POSITIVE_INFINITY;
    for (const [id, s] of this.scores) {
      if (s < this.minScore) {
        this.minScore = s;
        this.minId = id;
      }
    }
  }

  top(): readonly ScoredItem[] {
    if (this.sorted === undefined) {
      this.sorted = [...this.scores].map(([id, logScore]) => ({ id, logScore })).sort((a, b) => b.logScore - a.logScore || (a.id < b.id ? -1 : 1));
    }
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
