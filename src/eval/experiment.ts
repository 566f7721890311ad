// The ablation ladder behind REFERENCE_DEFAULTS, replayed in one run so every figure is
// comparable. Usage:
//   node --import tsx src/eval/experiment.ts RATINGS [--items FILE] [--k 10] [--report out.html]
//     [--format movielens|jsonl] [--half first]
// Prints a markdown table: HR/NDCG/coverage over the whole replay, then HR over the first and the
// second half of the scored events (tune on the first, confirm on the second).

import { parseArgs } from 'node:util';
import { GlobalPopularity, RecentPopularity, DEFAULT_RECENT_HALF_LIFE_MS } from './baselines.ts';
import { runPrequential, type Recommender } from './prequential.ts';
import { readReplay, type ReplayFormat } from './readers.ts';
import { ReferenceRecommender, type ReferenceOptions } from './reference-recommender.ts';
import { writeReport } from './report.ts';

/** Plain co-visitation: last 10 items, recency-decayed seeds, raw symmetric counts. */
const PLAIN: ReferenceOptions = {
  pairDecay: 1, backward: 1, historyDecay: 0.9, popNorm: 0, srcNorm: 0, popWeight: 0, embWeight: 0,
  covisHalfLifeEvents: Infinity, ranker: false,
};

/** The tuned co-visitation part alone: no blending, no decay of the counts, no ranker. */
const COVIS_TUNED: ReferenceOptions = { popWeight: 0, embWeight: 0, covisHalfLifeEvents: Infinity, ranker: false };

/** Each step adds one idea to the previous one; the last full steps are the tuned defaults. */
export const LADDER: [string, ReferenceOptions][] = [
  ['covis-plain', PLAIN],
  ['+pair-decay 0.9', { ...PLAIN, pairDecay: 0.9 }],
  ['+backward 0.5', { ...PLAIN, pairDecay: 0.9, backward: 0.5 }],
  ['+seed-pop-norm 0.5', { ...PLAIN, pairDecay: 0.9, backward: 0.5, srcNorm: 0.5 }],
  ['+target-pop-norm 0.25', { ...PLAIN, pairDecay: 0.9, backward: 0.5, srcNorm: 0.5, popNorm: 0.25 }],
  ['+seed-decay 0.8 (covis-tuned)', { ...COVIS_TUNED }],
  ['covis-tuned, time-gap 1d', { ...COVIS_TUNED, gapHalfLifeMs: 86_400_000 }],
  ['covis-tuned, history 5', { ...COVIS_TUNED, history: 5 }],
  ['covis-tuned, history 20', { ...COVIS_TUNED, history: 20 }],
  ['covis-tuned, window 20', { ...COVIS_TUNED, window: 20 }],
  ['+recent-pop 0.2', { ...COVIS_TUNED, popWeight: 0.2 }],
  ['covis-tuned +emb 0.3 (no pop)', { ...COVIS_TUNED, embWeight: 0.3 }],
  ['+emb 0.3', { ...COVIS_TUNED, popWeight: 0.2, embWeight: 0.3 }],
  ['  same, MF embeddings', { ...COVIS_TUNED, popWeight: 0.2, embWeight: 0.3, embedding: { mode: 'mf' } }],
  ['  same, emb 0.6', { ...COVIS_TUNED, popWeight: 0.2, embWeight: 0.6 }],
  ['  same, recent-pop 0.4', { ...COVIS_TUNED, popWeight: 0.4, embWeight: 0.3 }],
  ['  same, FTRL ranker', { ...COVIS_TUNED, popWeight: 0.2, embWeight: 0.3, ranker: true }],
  ['+covis half-life 10k events', { ranker: false, covisHalfLifeEvents: 10_000 }],
  ['+covis half-life 20k events', { ranker: false }],
  ['+covis half-life 50k events', { ranker: false, covisHalfLifeEvents: 50_000 }],
  ['  same, seed-decay 0.9', { ranker: false, historyDecay: 0.9 }],
  ['+FTRL ranker (full, defaults)', {}],
  ['  full, seed-decay 0.85', { historyDecay: 0.85 }],
  ['  full, MF embeddings', { embedding: { mode: 'mf' } }],
  ['  full, ranker depth 15', { rankerDepth: 15 }],
  ['  full, ranker depth 50', { rankerDepth: 50 }],
];

function hrOf(hits: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += hits[i];
  return to > from ? s / (to - from) : 0;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      items: { type: 'string' },
      k: { type: 'string', default: '10' },
      report: { type: 'string' },
      format: { type: 'string', default: 'movielens' },
      half: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: experiment.ts RATINGS [--items FILE] [--k 10] [--report out.html]');
  const k = Number(values.k);
  const data = await readReplay(file, values.format as ReplayFormat, values.items);
  let events = data.events;
  if (values.half === 'first') events = events.slice(0, events.length >> 1);
  const ladder = values.only ? LADDER.filter(([n]) => values.only!.split(',').some((s) => n.includes(s))) : LADDER;
  const recs: Recommender[] = [
    new GlobalPopularity(),
    new RecentPopularity(DEFAULT_RECENT_HALF_LIFE_MS, 'recent-pop (3 days)'),
    new RecentPopularity(3000, 'recent-pop (3000 events)', true),
    ...ladder.map(([name, o]) => new ReferenceRecommender({ ...o, name })),
  ];
  const started = performance.now();
  const results = await runPrequential(events, recs, {
    k,
    progressEvery: 20000,
    onProgress: (d, t) => process.stderr.write(`${d}/${t} ${Math.round((performance.now() - started) / 1000)}s\n`),
  });
  console.log(`| recommender | HR@${k} | NDCG@${k} | coverage | HR 1st half | HR 2nd half | events/s |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const mid = r.hits.length >> 1;
    const row = [r.name, r.hr.toFixed(4), r.ndcg.toFixed(4), r.coverage.toFixed(3), hrOf(r.hits, 0, mid).toFixed(4), hrOf(r.hits, mid, r.hits.length).toFixed(4), String(Math.round(r.events_per_sec))];
    console.log(`| ${row.join(' | ')} |`);
  }
  if (values.report) await writeReport(values.report, results, { k, notes: [`${file}: ${events.length} events`] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
