// Public face of the replay evaluation: readers, the prequential runner, metrics, baselines, eddy's
// pipeline as a replayed recommender, and the report.
export { readReplay, readMovieLensRatings, readMovieLensItems, readJsonl, splitCsv, U_ITEM_GENRES } from './readers.ts';
export type { ReplayEvent, ReplayItem, ReplayData, ReplayFormat } from './readers.ts';
export { MetricAccumulator, type MetricSummary } from './metrics.ts';
export { runPrequential, countDistinct, type Recommender, type PrequentialResult, type PrequentialOptions } from './prequential.ts';
export { GlobalPopularity, RecentPopularity, RankedCounter, DEFAULT_RECENT_HALF_LIFE_MS } from './baselines.ts';
export { PipelineRecommender, type PipelineReplayOptions } from './pipeline-replay.ts';
export { renderReport, writeReport, hitSeries, type ReportOptions } from './report.ts';
export { runReplay, type ReplayOptions, type ReplaySummary } from './replay.ts';
