/** The user's recent items, oldest first (the sequence co-visitation and embeddings read). */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { RecentList, type EntryCodec } from '../../stream/state/recent-list.ts';
import { userFeature } from './feature.ts';

/** [content_id, event time, interaction weight, category]. */
export type RecentItem = [string, number, number, string | null];

const entryCodec: EntryCodec<RecentItem> = {
  encode: ([id, ts, weight, category], w) => void w.string(id).f64(ts).f64(weight).optionalString(category),
  decode: (r) => [r.string(), r.f64(), r.f64(), r.optionalString()],
  sizeBytes: ([id, , , category]) => 64 + 2 * id.length + 2 * (category?.length ?? 0),
};

export const recentItems = userFeature({
  name: 'recent_items',
  init: ({ config }) => new RecentList<RecentItem>(config.recentItems, entryCodec),
  decode: (r) => RecentList.decode(r, entryCodec),
  update(list, e) {
    if (e.contentId === undefined || INTERACTION_WEIGHT[e.type] === 0) return;
    list.push([e.contentId, e.ts, INTERACTION_WEIGHT[e.type], e.category ?? null]);
  },
  value: (list) => list.entries.map(([id, ts]) => ({ content_id: id, timestamp: new Date(ts).toISOString() })).reverse(),
});
