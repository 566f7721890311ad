/**
 * Replay figure: `eddy replay` of MovieLens latest-small (100,836 ratings, with movies.csv) through
 * the service pipeline, test-then-train, K=10: wall time for the whole log (read, eddy and the two
 * baselines), eddy's own events/s, and its HR/NDCG/coverage beside the baselines of the same run.
 * Target: under 60 s for 100k events; HR@10 >= 0.13.
 * `replayBench()` is what the suite calls; `node --import tsx bench/replay.ts [--runs N]` runs it
 * alone and prints one JSON line.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runReplay } from '../src/eval/replay.ts';
import { median, round } from './stats.ts';

/** Where the shared data sets live, beside the repository (never copied into it); EDDY_SHARED_DATA overrides. */
export const MOVIELENS_SMALL =
  [process.env.EDDY_SHARED_DATA, join(process.cwd(), '..', 'shared', 'data'), '/work/shared/data']
    .filter((dir): dir is string => Boolean(dir))
    .map((dir) => join(dir, 'ml-latest-small'))
    .find((dir) => existsSync(join(dir, 'ratings.csv'))) ?? join(process.cwd(), '..', 'shared', 'data', 'ml-latest-small');

export interface ReplayBenchOptions {
  readonly runs?: number;
  readonly dir?: string;
  readonly log?: (line: string) => void;
}

/** The replay figure (medians of `runs`), or a `skipped` reason when the data set is not there. */
export async function replayBench(options: ReplayBenchOptions = {}): Promise<Record<string, unknown>> {
  const dir = options.dir ?? MOVIELENS_SMALL;
  const file = join(dir, 'ratings.csv');
  const items = join(dir, 'movies.csv');
  const log = options.log ?? (() => {});
  if (!existsSync(file)) return { skipped: `no ${file}` };
  const seconds: number[] = [];
  const eps: number[] = [];
  let last: Awaited<ReturnType<typeof runReplay>>['summary'] | undefined;
  for (let r = 0; r < (options.runs ?? 1); r++) {
    const started = performance.now();
    const { summary } = await runReplay({ file, items, format: 'movielens', k: 10, log: () => {} });
    seconds.push((performance.now() - started) / 1000);
    eps.push(summary.events_per_sec);
    last = summary;
    log(`  run ${r + 1}: ${summary.events} events in ${round(seconds[r])} s (eddy ${Math.round(summary.events_per_sec)} events/s), HR@10 ${round(summary.hr, 4)}`);
  }
  const s = last!;
  return {
    events: s.events,
    seconds: round(median(seconds), 1),
    target_seconds_per_100k: 60,
    eddy_events_per_sec: Math.round(median(eps)),
    hr: round(s.hr, 4),
    ndcg: round(s.ndcg, 4),
    coverage: round(s.coverage, 3),
    target_hr: 0.13,
    baselines: Object.fromEntries(Object.entries(s.baselines ?? {}).map(([name, b]) => [name, { hr: round(b.hr, 4), ndcg: round(b.ndcg, 4), coverage: round(b.coverage, 3) }])),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : 1;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`replay of MovieLens latest-small (${MOVIELENS_SMALL}), ${runs} run(s)`);
  console.log(JSON.stringify({ replay: await replayBench({ runs, log }) }));
}
