/**
 * eddy's performance suite: `npm run bench` (add `-- --json` for one JSON object on the last line,
 * `--quick` for one short run of each, `--no-kafka` / `--kafka-only` to leave out or keep only the
 * Kafka-mode figure, `--no-replay` to leave out the MovieLens replay). Each figure is the median of several runs, beside a baseline measured in the
 * same run, because the machine is small and noisy.
 */
import { freshness } from './freshness.ts';
import { kafkaBench, kafkaTable } from './kafka.ts';
import { pipelineThroughput } from './pipeline-throughput.ts';
import { replayBench } from './replay.ts';
import { median, round } from './stats.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const embedded = !process.argv.includes('--kafka-only');
const kafka = !process.argv.includes('--no-kafka');
const replay = embedded && !process.argv.includes('--no-replay');
const log = (s: string) => process.stderr.write(`${s}\n`);
const runs = quick ? 1 : 3;
const events = quick ? 50_000 : 200_000;

const results: Record<string, unknown> = {};

for (const durability of embedded ? (['full', 'normal'] as const) : []) {
  log(`pipeline throughput (${events} events, durability=${durability}), ${runs} runs`);
  const through: number[] = [];
  const validateOnly: number[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await pipelineThroughput(events, durability, log);
    through.push(run.eventsPerSec);
    validateOnly.push(run.validateOnlyPerSec);
    log(`  run ${r + 1}: ${Math.round(run.eventsPerSec)} events/s (validation alone: ${Math.round(run.validateOnlyPerSec)}/s)`);
  }
  results[`pipeline_${durability}`] = {
    events_per_sec: Math.round(median(through)),
    baseline_validate_only_per_sec: Math.round(median(validateOnly)),
    ratio_to_validate_only: round(median(through) / median(validateOnly), 3),
    target_events_per_sec: 200_000,
  };
}

if (embedded) {
  log(`freshness (POST answered -> visible in GET /v1/recommendations), ${runs} runs of 200 trials`);
  const fresh = [];
  for (let r = 0; r < runs; r++) {
    const f = await freshness(200, 'full');
    fresh.push(f);
    log(`  run ${r + 1}: p50 ${round(f.p50)} ms, p99 ${round(f.p99)} ms; GET /v1/recommendations p50 ${round(f.recommendP50)} ms, p99 ${round(f.recommendP99)} ms`);
  }
  results.freshness_ms = {
    p50: round(median(fresh.map((f) => f.p50))),
    p99: round(median(fresh.map((f) => f.p99))),
    target_p99: 50,
  };
  results.serving_ms = { p50: round(median(fresh.map((f) => f.recommendP50))), p99: round(median(fresh.map((f) => f.recommendP99))) };
}

if (replay) {
  // One run: a whole replay of 100k events is the figure itself (target: under 60 s).
  log('replay of MovieLens latest-small through the service pipeline (eddy replay), 1 run');
  results.replay = await replayBench({ runs: 1, log });
}

if (kafka) {
  results.kafka = await kafkaBench({
    records: quick ? 50_000 : 200_000,
    pipelineEvents: quick ? 10_000 : 20_000,
    freshnessTrials: quick ? 20 : 30,
    runs,
    log,
  });
}

console.log('\neddy benchmark (medians of runs)');
for (const [name, value] of Object.entries(results)) if (name !== 'kafka') console.log(`${name.padEnd(20)} ${JSON.stringify(value)}`);
if (results.kafka) console.log(`\n${kafkaTable(results.kafka as Record<string, unknown>)}`);
if (json) console.log(JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, ...results }));
