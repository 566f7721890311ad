/**
 * The in-process feature store: serving reads the processor's own state, with no copy and no
 * network hop. The embedded default.
 */
import type { CatalogEntry } from './catalog.ts';
import type { FeatureStore } from './feature-store.ts';
import type { CovisRow, ItemState } from './item-features.ts';
import type { PopularityIndex, ScoredItem } from './popularity-index.ts';
import type { UserState } from './user-features.ts';

interface ReadableStore<V> {
  get(key: string): V | undefined;
  entries(): IterableIterator<[string, V]>;
  /** See KeyValueStore.version. */
  readonly version: number;
}

/** What the in-process store reads: the processor's stores, its popularity index and stream time. */
export interface InProcessState {
  readonly users: ReadableStore<UserState>;
  readonly items: ReadableStore<ItemState>;
  readonly covis: ReadableStore<CovisRow>;
  readonly catalog: ReadableStore<CatalogEntry>;
  readonly popularity: Pick<PopularityIndex, 'top' | 'categories'>;
  readonly stats: { readonly streamTime: number };
}

export class InProcessFeatureStore implements FeatureStore {
  readonly kind = 'in-process' as const;

  constructor(private readonly processor: InProcessState) {}

  async user(userId: string): Promise<UserState | undefined> {
    return this.processor.users.get(userId);
  }

  itemsVersion(): number {
    return this.processor.items.version;
  }

  async items(ids: readonly string[]): Promise<(ItemState | undefined)[]> {
    return ids.map((id) => this.processor.items.get(id));
  }

  async covis(ids: readonly string[]): Promise<(CovisRow | undefined)[]> {
    return ids.map((id) => this.processor.covis.get(id));
  }

  async catalog(ids: readonly string[]): Promise<(CatalogEntry | undefined)[]> {
    return ids.map((id) => this.processor.catalog.get(id));
  }

  async popular(category: string | undefined, n: number): Promise<readonly ScoredItem[]> {
    return this.processor.popularity.top(category).slice(0, n);
  }

  async categories(): Promise<string[]> {
    return this.processor.popularity.categories();
  }

  async streamTime(): Promise<number> {
    return this.processor.stats.streamTime;
  }

  async activeItems(): Promise<string[]> {
    const since = this.processor.stats.streamTime - 3600_000;
    const out: string[] = [];
    for (const [id, item] of this.processor.items.entries()) if (item.last > since) out.push(id);
    return out;
  }
}
