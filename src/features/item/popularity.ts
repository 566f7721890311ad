/**
 * Forward-decayed popularity (`logPop`): the log of sum(w * exp(lambda * ts)) over the item's
 * weighted interactions, comparable across items at any time. The popularity index and serving
 * read it; the features API does not report it (a log-sum means nothing on its own).
 */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { ForwardDecayedSum } from '../../stream/state/forward-decayed-sum.ts';
import { itemFeature } from './feature.ts';

export const popularity = itemFeature({
  name: 'popularity',
  init: () => new ForwardDecayedSum(),
  decode: (r) => ForwardDecayedSum.decode(r),
  update(sum, { type, ts }, { popularityLambda }) {
    sum.add(INTERACTION_WEIGHT[type], ts, popularityLambda);
    return true;
  },
});
