/** The categories the user looked at recently, newest first, without repeats. */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { RecentList, type EntryCodec } from '../../stream/state/recent-list.ts';
import { userFeature } from './feature.ts';

/** [category, event time]. */
export type RecentCategory = [string, number];

const entryCodec: EntryCodec<RecentCategory> = {
  encode: ([category, ts], w) => void w.string(category).f64(ts),
  decode: (r) => [r.string(), r.f64()],
  sizeBytes: ([category]) => 40 + 2 * category.length,
};

export const recentCategories = userFeature({
  name: 'recent_categories',
  init: ({ config }) => new RecentList<RecentCategory>(config.recentCategories, entryCodec),
  decode: (r) => RecentList.decode(r, entryCodec),
  update(list, e) {
    if (e.category === undefined || INTERACTION_WEIGHT[e.type] === 0) return;
    list.push([e.category, e.ts]);
  },
  value(list) {
    const out: string[] = [];
    for (let i = list.entries.length - 1; i >= 0; i--) if (!out.includes(list.entries[i][0])) out.push(list.entries[i][0]);
    return out;
  },
});
