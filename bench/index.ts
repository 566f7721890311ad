/**
 * eddy's performance suite: `npm run bench` (add `-- --json` for one JSON object on the last line,
 * `--quick` for one short run of each, `--no-kafka` / `--kafka-only` to leave out or keep only the
 * Kafka-mode figure, `--no-replay` to leave out the MovieLens replay, `--no-http` the HTTP figures
 * (load from a separate process), `--no-state` the 1M-user state figure, `--no-codec` the
 * record decode rates, `--no-recommend-cpu` the CPU cost of one recommend() call). Each figure is
 * the median of several runs, beside a baseline measured in the
 * same run, because the machine is small and noisy.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshness } from './freshness.ts';
import { httpFigures, type HttpFigures } from './http.ts';
import { kafkaBench, kafkaTable } from './kafka.ts';
import { pipelineThroughput } from './pipeline-throughput.ts';
import { recordCodecBench } from './record-codec.ts';
import { replayBench } from './replay.ts';
import { median, round } from './stats.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const embedded = !process.argv.includes('--kafka-only');
const kafka = !process.argv.includes('--no-kafka');
const replay = embedded && !process.argv.includes('--no-replay');
const http = embedded && !process.argv.includes('--no-http');
const state = embedded && !process.argv.includes('--no-state');
const codec = !process.argv.includes('--no-codec') && !process.argv.includes('--kafka-only');
const recommendCpu = embedded && !process.argv.includes('--no-recommend-cpu');
const log = (s: string) => process.stderr.write(`${s}\n`);
const runs = quick ? 1 : 3;
const events = quick ? 50_000 : 200_000;

const results: Record<string, unknown> = {};

if (codec) {
  log(`record decoding (${events} events: binary records beside JSON.parse of the same events), ${runs + 2} runs`);
  const figures = recordCodecBench({ events, runs: runs + 2, log });
  results.record_codec = figures;
  results.binary_decode_events_per_sec = figures.binary_decode_per_sec;
  results.json_parse_decode_events_per_sec = figures.json_parse_per_sec;
}

for (const durability of embedded ? (['full', 'normal'] as const) : []) {
  log(`pipeline throughput (${events} events, durability=${durability}), ${runs} runs`);
  const through: number[] = [];
  const validateOnly: number[] = [];
  const jsonParse: number[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await pipelineThroughput(events, durability, log);
    through.push(run.eventsPerSec);
    validateOnly.push(run.validateOnlyPerSec);
    jsonParse.push(run.jsonParsePerSec);
    log(`  run ${r + 1}: ${Math.round(run.eventsPerSec)} events/s (validation alone: ${Math.round(run.validateOnlyPerSec)}/s)`);
  }
  results[`pipeline_${durability}`] = {
    events_per_sec: Math.round(median(through)),
    baseline_validate_only_per_sec: Math.round(median(validateOnly)),
    ratio_to_validate_only: round(median(through) / median(validateOnly), 3),
    baseline_json_parse_per_sec: Math.round(median(jsonParse)),
    target_events_per_sec: 250_000,
  };
  if (durability === 'full') {
    // The issue-8 keys: the durable pipeline beside JSON.parse alone of the same events.
    results.pipeline_events_per_sec = Math.round(median(through));
    results.json_parse_events_per_sec = Math.round(median(jsonParse));
  }
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

if (http) {
  log(`HTTP figures (load from its own process: autocannon unpaced, evenly paced for the fixed rates), ${runs} runs`);
  const figures: HttpFigures[] = [];
  for (let r = 0; r < runs; r++) figures.push(await httpFigures({ durationS: quick ? 3 : 8, log }));
  const med = (pick: (f: HttpFigures) => number) => round(median(figures.map(pick)), 1);
  results.bare_fastify_rps = med((f) => f.bare_fastify_rps);
  results.http_ingest_events_per_sec = med((f) => f.http_ingest_events_per_sec);
  results.http_ingest_processed_per_sec = med((f) => f.http_ingest_processed_per_sec);
  results.serve_max_rps = med((f) => f.serve_max_rps);
  results.serve_max_ratio_to_bare = round(median(figures.map((f) => f.serve_max_rps / f.bare_fastify_rps)), 3);
  results.serve_p50_ms = med((f) => f.serve_p50_ms);
  results.serve_p99_ms = med((f) => f.serve_p99_ms);
  results.serve_under_ingest_events_per_sec = med((f) => f.serve_under_ingest_events_per_sec);
  results.freshness_p99_ms = med((f) => f.freshness_p99_ms);
  results.freshness_p50_ms = med((f) => f.freshness_p50_ms);
  results.freshness_censored_trials = med((f) => f.freshness_censored_trials);
}

if (recommendCpu) {
  // Its own process: the 100k-user state's heap (and its GC) stays out of the other figures.
  log(`CPU cost of one recommend() call on a 100k-user state (its own process), ${runs} runs`);
  const script = fileURLToPath(new URL('./recommend-cpu.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').at(-1);
  if (run.status === 0 && line) {
    const figures = JSON.parse(line) as { warm: unknown; cold: unknown; baseline_user_read: unknown };
    results.recommend_cpu = { warm: figures.warm, cold: figures.cold, baseline_user_read: figures.baseline_user_read };
  } else results.recommend_cpu = { failed: `exit ${run.status}` };
}

if (state) {
  const users = quick ? 100_000 : 1_000_000;
  const items = quick ? 10_000 : 100_000;
  log(`state of ${users} users and ${items} items (its own process): resident memory, then restore time`);
  const script = fileURLToPath(new URL('./state-size.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', script, JSON.stringify({ users, items })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').at(-1);
  if (run.status === 0 && line) {
    const figures = JSON.parse(line) as { rss_mb: number; restore_s: number; rss_after_restore_mb: number; ingest_events_per_sec: number; bytes_per_user: number; bytes_per_item: number };
    const suffix = quick ? '100k_users' : '1m_users';
    results[`rss_mb_${suffix}`] = figures.rss_mb;
    results[`restore_s_${suffix}`] = figures.restore_s;
    results[`rss_after_restore_mb_${suffix}`] = figures.rss_after_restore_mb;
    results[`state_bytes_per_user_${suffix}`] = figures.bytes_per_user;
    results[`state_bytes_per_item_${suffix}`] = figures.bytes_per_item;
  } else results.state = { failed: `exit ${run.status}` };
}

if (replay) {
  // One run: a whole replay of 100k events is the figure itself (target: under 60 s).
  log('replay of MovieLens latest-small through the service pipeline (eddy replay), 1 run');
  results.replay = await replayBench({ runs: 1, log });
  const r = results.replay as { eddy_events_per_sec?: number; hr?: number };
  if (r.eddy_events_per_sec !== undefined) {
    results.replay_events_per_sec = r.eddy_events_per_sec;
    results.replay_hr = r.hr;
  }
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
