/** Event time of the item's newest interaction (what makes it active); reported as an ISO date. */
import { Scalar } from '../../stream/state/scalar.ts';
import { itemFeature } from './feature.ts';

export const lastInteraction = itemFeature({
  name: 'last_interaction',
  init: () => new Scalar(0),
  decode: (r) => Scalar.decode(r),
  update(last, { ts }) {
    // Out of order events never move it back.
    last.raise(ts);
    return true;
  },
  value: (last) => (last.value > 0 ? new Date(last.value).toISOString() : null),
});
