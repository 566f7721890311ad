/**
 * In-process pipeline throughput: events/s through validate -> log append -> process -> features,
 * on the embedded store in a temporary folder. Baseline in the same run: validation alone, the
 * floor any ingest path pays, so the ratio shows what the log and the processor add.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvent } from '../src/events/validate.ts';
import { startEmbeddedInstance, type Instance } from '../src/deploy/embedded.ts';
import { syntheticEvents } from './synthetic-events.ts';

export interface ThroughputRun {
  readonly eventsPerSec: number;
  readonly validateOnlyPerSec: number;
  /** The same events as NDJSON lines through `JSON.parse` alone: the floor of any JSON ingest. */
  readonly jsonParsePerSec: number;
}

export async function pipelineThroughput(events: number, durability: 'full' | 'normal', log: (s: string) => void): Promise<ThroughputRun> {
  const batch = syntheticEvents(events, { prefix: `t${Date.now()}` });
  const t0 = performance.now();
  for (const e of batch) validateEvent(e);
  const validateOnlyPerSec = events / ((performance.now() - t0) / 1000);
  const lines = batch.map((e) => JSON.stringify(e));
  const t1 = performance.now();
  let parsed = 0;
  for (const line of lines) if (JSON.parse(line) !== null) parsed++;
  const jsonParsePerSec = parsed / ((performance.now() - t1) / 1000);

  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
  const instance = await startEmbeddedInstance({ dataDir: dir, durability, maxLag: Number.MAX_SAFE_INTEGER });
  try {
    const eventsPerSec = await throughputOf(instance, batch, log);
    return { eventsPerSec, validateOnlyPerSec, jsonParsePerSec };
  } finally {
    await instance.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Events/s through a running instance's ingest (a few appends of 1000 in flight, as concurrent HTTP
 * requests would be) until the processor has committed them all.
 */
export async function throughputOf(instance: Instance, events: readonly unknown[], log: (s: string) => void, drainTimeoutMs = 300_000): Promise<number> {
  const ingest = instance.ingest;
  if (!ingest) throw new Error('throughput needs an instance that ingests (role all or ingest)');
  const t0 = performance.now();
  const chunk = 1000;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += chunk) {
    inFlight.push(ingest.events(events.slice(i, i + chunk)));
    if (inFlight.length >= 4) await inFlight.shift();
    if ((i / chunk) % 50 === 0) log(`  appended ${i} / ${events.length}, lag ${instance.lag()}`);
  }
  await Promise.all(inFlight);
  await instance.drained(drainTimeoutMs);
  return events.length / ((performance.now() - t0) / 1000);
}
