/** Interest per category, decayed with a half-life so that old tastes fade; reported normalised. */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { halfLifeToLambda } from '../../stream/decay.ts';
import { DecayedScores } from '../../stream/state/decayed-score.ts';
import { userFeature } from './feature.ts';

export const categoryAffinity = userFeature({
  name: 'category_affinity',
  init: ({ config }) => new DecayedScores(halfLifeToLambda(config.affinityHalfLifeMs)),
  decode: (r, { config }) => DecayedScores.decode(r, halfLifeToLambda(config.affinityHalfLifeMs)),
  update(scores, e) {
    const weight = INTERACTION_WEIGHT[e.type];
    if (e.category === undefined || weight === 0) return;
    scores.add(e.category, weight, e.ts);
  },
  value: (scores, now) => normalised(scores, now),
});

/** Scores decayed to `now`, scaled so that they sum to 1 (4 decimals). */
export function normalised(scores: DecayedScores, now: number): Record<string, number> {
  const out = scores.valuesAt(now);
  let total = 0;
  for (const v of Object.values(out)) total += v;
  if (total > 0) for (const cat of Object.keys(out)) out[cat] = Math.round((out[cat] / total) * 1e4) / 1e4;
  return out;
}
