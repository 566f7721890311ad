/** All-time interactions with the item (serving's popularity prior for the ranker and seeds). */
import { Count } from '../../stream/state/scalar.ts';
import { itemFeature } from './feature.ts';

export const interactionsTotal = itemFeature({
  name: 'interactions_total',
  init: () => new Count(),
  decode: (r) => Count.decode(r),
  update(total) {
    total.increment();
    return true;
  },
  value: (total) => total.value,
});
