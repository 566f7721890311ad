/** Click-through rate over the last hour, from the hour's clicks and views. */
import { clicks1h } from './clicks-1h.ts';
import { derivedItemFeature } from './feature.ts';
import { views1h } from './views-1h.ts';

export const ctr1h = derivedItemFeature({
  name: 'ctr_1h',
  reads: [clicks1h, views1h],
  // Smoothed so that one view and one click does not read as a 100% CTR.
  value: ([clicks, views]) => Math.round(((clicks + 0.5) / (views + 10)) * 1e4) / 1e4,
});
