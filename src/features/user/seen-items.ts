/** Items the user clicked, liked or shared: never recommended to them again. Reports how many. */
import { CONSUMED_TYPES } from '../../events/interaction.ts';
import { MembershipSet } from '../../stream/state/membership-set.ts';
import { userFeature } from './feature.ts';

export const seenItems = userFeature({
  name: 'seen_items',
  // Interned in the partition's dictionary: a thousand ids commit as a few KB of integers.
  init: ({ config, dictionary }) => new MembershipSet(dictionary, config.seenItems),
  decode: (r, { dictionary }) => MembershipSet.decode(r, dictionary),
  update(seen, e) {
    if (e.contentId === undefined || !CONSUMED_TYPES.has(e.type)) return;
    seen.add(e.contentId);
  },
  value: (seen) => seen.size,
});
