/**
 * The online feature store: what serving reads. The in-process store reads the processor's own
 * state (the embedded default); the Redis store reads what processors published (distributed).
 * test/features/feature-store.contract.ts runs one contract test against both.
 */
import type { CatalogEntry } from './catalog.ts';
import type { CovisRow, ItemState } from './item-features.ts';
import type { ScoredItem } from './popularity-index.ts';
import type { UserState } from './user-features.ts';

export interface FeatureStore {
  readonly kind: 'in-process' | 'redis';
  user(userId: string): Promise<UserState | undefined>;
  /** Batch read: one round trip for all the items a request needs. */
  items(ids: readonly string[]): Promise<(ItemState | undefined)[]>;
  /** Co-visitation rows of items (batch read). */
  covis(ids: readonly string[]): Promise<(CovisRow | undefined)[]>;
  catalog(ids: readonly string[]): Promise<(CatalogEntry | undefined)[]>;
  /** The most popular items (forward-decayed), overall or in one category, best first. */
  popular(category: string | undefined, n: number): Promise<readonly ScoredItem[]>;
  /** Categories that have popular items. */
  categories(): Promise<string[]>;
  /** Highest event time processed (stream time), for windowed values. */
  streamTime(): Promise<number>;
  /** Items with activity in the last hour (candidates for windowed trending). */
  activeItems(): Promise<string[]>;
  /**
   * A number that changes whenever any item's state changes, read synchronously: a reader may keep
   * what it derived from items while it stays. Absent where that cannot be known cheaply (Redis).
   */
  itemsVersion?(): number;
}
