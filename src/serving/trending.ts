/**
 * Trending items: the active items with the most interactions in a window of stream time. One
 * function for `GET /v1/trending` and the dashboard's `/v1/stats`, so they show the same figures.
 */
import type { FeatureStore } from '../features/feature-store.ts';

/** The windows trending counts over, by their query name. */
export const TRENDING_WINDOWS = { '10m': 10 * 60_000, '1h': 3600_000 } as const;
export type TrendingWindow = keyof typeof TRENDING_WINDOWS;

export interface TrendingItem {
  content_id: string;
  count: number;
}

/** The `k` active items with the highest count in `window`, highest first (ties by id). */
export async function trendingItems(store: FeatureStore, window: TrendingWindow, k: number): Promise<TrendingItem[]> {
  const [now, ids] = await Promise.all([store.streamTime(), store.activeItems()]);
  const states = await store.items(ids);
  const out: TrendingItem[] = [];
  ids.forEach((id, i) => {
    // The active list and the states are two reads, not one snapshot: an item deleted in between,
    // or listed by one answer and missing from the other (Redis failed or restarted between them,
    // one of them came from the fallback), has no state. It is left out, not dereferenced (issue 7).
    const state = states[i];
    if (state === undefined) return;
    const count = (window === '10m' ? state.activity10m : state.activity1h).sum(now);
    if (count > 0) out.push({ content_id: id, count });
  });
  return out.sort((a, b) => b.count - a.count || (a.content_id < b.content_id ? -1 : 1)).slice(0, k);
}
