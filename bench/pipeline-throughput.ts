/**
 * In-process pipeline throughput: events/s through validate -> log append -> process -> features,
 * on the embedded store in a temporary folder. Baseline in the same run: validation alone, the
 * floor any ingest path pays, so the ratio shows what the log and the processor add.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvent } from '../src/events/validate.ts';
import { startEmbeddedInstance } from '../src/pipeline/instance.ts';
import { syntheticEvents } from './synthetic-events.ts';

export interface ThroughputRun {
  readonly eventsPerSec: number;
  readonly validateOnlyPerSec: number;
}

export async function pipelineThroughput(events: number, durability: 'full' | 'normal', log: (s: string) => void): Promise<ThroughputRun> {
  const batch = syntheticEvents(events, { prefix: `t${Date.now()}` });
  let t0 = performance.now();
  for (const e of batch) validateEvent(e);
  const validateOnlyPerSec = events / ((performance.now() - t0) / 1000);

  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
  const instance = await startEmbeddedInstance({ dataDir: dir, durability, maxLag: Number.MAX_SAFE_INTEGER });
  try {
    t0 = performance.now();
    const chunk = 1000;
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < batch.length; i += chunk) {
      inFlight.push(instance.ingest.events(batch.slice(i, i + chunk)));
      // A few appends in flight, as concurrent HTTP requests would be (group commit).
      if (inFlight.length >= 4) await inFlight.shift();
      if ((i / chunk) % 50 === 0) log(`  appended ${i} / ${events}, lag ${instance.lag()}`);
    }
    await Promise.all(inFlight);
    await instance.drained(300_000);
    const eventsPerSec = events / ((performance.now() - t0) / 1000);
    return { eventsPerSec, validateOnlyPerSec };
  } finally {
    await instance.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
