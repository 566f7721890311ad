// Public face of the replay evaluation: readers, the prequential runner, metrics, baselines, the
// reference recommender and the report.
export { readReplay, readMovieLensRatings, readMovieLensItems, readJsonl, splitCsv, U_ITEM_GENRES } from './readers.ts';
export type { ReplayEvent, ReplayItem, ReplayData, ReplayFormat } from './readers.ts';
export { MetricAccumulator, type MetricSummary } from './metrics.ts';
export { runPrequential, countDistinct, type Recommender, type PrequentialResult, type PrequentialOptions } from './prequential.ts';
export { GlobalPopularity, RecentPopularity, RankedCounter, DEFAULT_RECENT_HALF_LIFE_MS } from './baselines.ts';
export { CovisMatrix, IdSpace } from './covisitation.ts';
export { ReferenceRecommender, REFERENCE_DEFAULTS, type ReferenceOptions } from './reference-recommender.ts';
export { renderReport, writeReport, hitSeries, type ReportOptions } from './report.ts';
export { runReplay, type ReplayOptions, type ReplaySummary } from './replay.ts';
