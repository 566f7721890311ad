// The engine behind `eddy replay`: read a log, replay it prequentially through eddy's own pipeline
// (the service's processor and recommender, see pipeline-replay.ts) and the baselines, optionally
// write the HTML report, and return the one-line summary of docs/API.md. The CLI only parses
// flags and prints.

import { GlobalPopularity, RecentPopularity } from './baselines.ts';
import { countDistinct, runPrequential, type PrequentialResult, type Recommender } from './prequential.ts';
import type { ProcessingConfig } from '../pipeline/personalization-processor.ts';
import type { RecommenderConfig } from '../serving/recommender.ts';
import { PipelineRecommender } from './pipeline-replay.ts';
import { readReplay, type ReplayFormat } from './readers.ts';
import { writeReport } from './report.ts';

/** Options of {@link runReplay}. */
export interface ReplayOptions {
  file: string;
  format: ReplayFormat;
  items?: string;
  k?: number;
  /** write the HTML report here */
  report?: string;
  /** the model under test; defaults to eddy's pipeline ({@link PipelineRecommender}) */
  model?: Recommender;
  /** configuration of eddy's pipeline (defaults: the service's) */
  processing?: ProcessingConfig;
  recommender?: RecommenderConfig;
  /** commit eddy's state to this embedded store, and resume from what it holds */
  dataDir?: string;
  /** stop after this many events (with `dataDir`: a later replay resumes there) */
  stopAfter?: number;
  /** also replay the baselines (default true) */
  baselines?: boolean;
  /** progress lines (default: stderr) */
  log?: (line: string) => void;
}

/** The summary line of `eddy replay` (docs/API.md), plus each baseline's figures. */
export interface ReplaySummary {
  events: number;
  users: number;
  items: number;
  k: number;
  hr: number;
  ndcg: number;
  coverage: number;
  events_per_sec: number;
  baselines?: Record<string, { hr: number; ndcg: number; coverage: number }>;
}

/** Runs a replay; see the file header. */
export async function runReplay(options: ReplayOptions): Promise<{ summary: ReplaySummary; results: PrequentialResult[] }> {
  const k = options.k ?? 10;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const data = await readReplay(options.file, options.format, options.items);
  if (options.stopAfter !== undefined) data.events.length = Math.min(data.events.length, options.stopAfter);
  const { users, items } = countDistinct(data.events);
  log(`replay: ${data.events.length} events, ${users} users, ${items} items`);
  let pipeline: PipelineRecommender | undefined;
  if (options.model === undefined) {
    pipeline = await PipelineRecommender.open({ processing: options.processing, recommender: options.recommender, dataDir: options.dataDir });
    pipeline.loadCatalog(data.items);
    if (pipeline.position > 0) log(`replay: resuming after event ${pipeline.position}`);
  }
  const model = options.model ?? pipeline!;
  const recs: Recommender[] = [model];
  if (options.baselines !== false) recs.push(new GlobalPopularity(), new RecentPopularity(3000, 'recent-popularity', true));
  const started = performance.now();
  const results = await runPrequential(data.events, recs, {
    k,
    onProgress: (done, total) => log(`replay: ${done}/${total} events, ${Math.round((done * 1000) / (performance.now() - started))}/s`),
  });
  await pipeline?.close();
  const main = results[0];
  const summary: ReplaySummary = {
    events: data.events.length,
    users,
    items,
    k,
    hr: main.hr,
    ndcg: main.ndcg,
    coverage: main.coverage,
    events_per_sec: main.events_per_sec,
  };
  if (results.length > 1) {
    summary.baselines = Object.fromEntries(results.slice(1).map((r) => [r.name, { hr: r.hr, ndcg: r.ndcg, coverage: r.coverage }]));
  }
  if (options.report) {
    await writeReport(options.report, results, { k, notes: [`${options.file} (${options.format}): ${data.events.length} events, ${users} users, ${items} items`] });
    log(`replay: report written to ${options.report}`);
  }
  return { summary, results };
}
