/**
 * Overload (issue 7): `eddy start` is offered three times the rate it sustains. The test first
 * measures that rate on this machine (closed loop, until processed), then sends batches open loop
 * at three times it for a while, as a fleet of producers would, and stops. What it asserts are
 * counts, not timings:
 * - ingest refuses part of the load with 503 EDDY_OVERLOADED and a Retry-After, and answers nothing
 *   else (no 5xx, no dropped connection);
 * - resident memory of the instance stays bounded;
 * - every acknowledged event is counted exactly once, and none that was refused;
 * - once the load drops the instance recovers by itself: lag back to 0, new events accepted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ClickStream, countMismatches, servedCounts } from '../support/click-stream.ts';
import { eventually } from '../support/http-client.ts';
import { startEddyProcess, stopEddyProcess, type EddyProcess } from '../support/process.ts';

const BATCH = 500;
const ITEMS = 60;
/** Records waiting for processing before ingest refuses: low, so the test reaches it in seconds. */
const MAX_LAG = 20_000;
const OVERLOAD_FACTOR = 3;
const OVERLOAD_MS = 10_000;
/** The offered load's requests in flight at most (more would measure the client, not eddy). */
const MAX_IN_FLIGHT = 48;
/** Resident memory the instance may reach under overload. */
const RSS_LIMIT_BYTES = 1024 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'eddy-overload-'));
let eddy: EddyProcess | undefined;
after(async () => {
  if (eddy) await stopEddyProcess(eddy);
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lag(url: string): Promise<number> {
  const r = await fetch(`${url}/readyz`);
  return r.status === 200 ? ((await r.json()) as { lag: number }).lag : Number.POSITIVE_INFINITY;
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

interface Answer {
  status: number | 'error';
  retryAfter: string | null;
  code: string | undefined;
}

async function post(url: string, stream: ClickStream, b: number): Promise<Answer> {
  try {
    const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(stream.batch(b)), signal: AbortSignal.timeout(60_000) });
    const body = (await r.json()) as { code?: string };
    return { status: r.status, retryAfter: r.headers.get('retry-after'), code: body.code };
  } catch {
    return { status: 'error', retryAfter: null, code: undefined };
  }
}

test('at 3x the sustained rate ingest refuses with 503 + Retry-After, memory stays bounded, nothing acknowledged is lost, and it recovers', { timeout: 300_000 }, async () => {
  eddy = await startEddyProcess(['--data-dir', join(dir, 'data'), '--max-lag', String(MAX_LAG), '--rate-limit', '0', '--log-level', 'warn']);
  const { url } = eddy;
  const pid = eddy.child.pid!;
  const stream = new ClickStream({ prefix: `ov${Date.now().toString(36)}`, batchSize: BATCH, items: ITEMS, users: 2000 });
  const acked = new Set<number>();
  let next = 0;

  // 1. The sustained rate: four producers in a closed loop for 5 s, each resending a refused batch
  // 100 ms later (ingest outruns processing, so they meet backpressure and keep the backlog full),
  // then until everything is processed: what the instance takes in and works off per second.
  let refusedWhileMeasuring = 0;
  const t0 = performance.now();
  const until = t0 + 5000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until) {
        const b = next++;
        for (;;) {
          const a = await post(url, stream, b);
          if (a.status === 202) break;
          assert.equal(a.status, 503, 'a refusal is a 503');
          refusedWhileMeasuring++;
          await sleep(100);
        }
        acked.add(b);
      }
    }),
  );
  assert.ok(await eventually(async () => (await lag(url)) === 0, 120_000, 50), 'the measured load is processed');
  const sustained = (acked.size * BATCH) / ((performance.now() - t0) / 1000);
  const rssBefore = rssOf(pid);

  // 2. Three times that, open loop: a batch every tick whatever the answers, up to MAX_IN_FLIGHT.
  const offered = OVERLOAD_FACTOR * sustained;
  const answers: Answer[] = [];
  const refusedBatches: number[] = [];
  let rssPeak = rssBefore;
  let skipped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  let due = 0;
  while (performance.now() - start < OVERLOAD_MS) {
    const owed = Math.floor((((performance.now() - start) / 1000) * offered) / BATCH) - due;
    for (let i = 0; i < owed; i++, due++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const b = next++;
      inFlight++;
      const p = post(url, stream, b).then((a) => {
        inFlight--;
        answers.push(a);
        if (a.status === 202) acked.add(b);
        else refusedBatches.push(b);
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    rssPeak = Math.max(rssPeak, rssOf(pid));
    await sleep(20);
  }
  await Promise.all(pending);
  rssPeak = Math.max(rssPeak, rssOf(pid));

  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  const refusals = answers.filter((a) => a.status === 503 || a.status === 429);
  console.log(
    `sustained ${Math.round(sustained)} events/s (${refusedWhileMeasuring} refusals while measuring); offered ${Math.round(offered)} events/s for ${OVERLOAD_MS / 1000} s: answers ${JSON.stringify(byStatus)}, ` +
      `${skipped} batches not sent (client at ${MAX_IN_FLIGHT} in flight); RSS ${Math.round(rssBefore / 2 ** 20)} MiB before, peak ${Math.round(rssPeak / 2 ** 20)} MiB`,
  );
  assert.ok(refusals.length > 0, `part of the load is refused: ${JSON.stringify(byStatus)}`);
  assert.ok(refusals.every((a) => a.status === 503 && a.code === 'EDDY_OVERLOADED' && Number(a.retryAfter) >= 1), 'refusals are 503 EDDY_OVERLOADED with Retry-After');
  assert.deepEqual(Object.keys(byStatus).filter((s) => s !== '202' && s !== '503'), [], 'nothing but 202 and 503: no 5xx, no dropped connection');
  assert.ok(rssPeak < RSS_LIMIT_BYTES, `resident memory stays under ${RSS_LIMIT_BYTES / 2 ** 20} MiB (peak ${Math.round(rssPeak / 2 ** 20)} MiB)`);

  // 3. The load drops: the backlog is worked off and new events are accepted again, by itself.
  assert.ok(await eventually(async () => (await lag(url)) === 0, 180_000, 100), 'the backlog is processed');
  const afterwards = next++;
  assert.equal((await post(url, stream, afterwards)).status, 202, 'accepted again once the load dropped');
  acked.add(afterwards);
  assert.ok(await eventually(async () => (await lag(url)) === 0, 60_000, 50));

  // Every acknowledged event counted once; the refused batches not at all.
  const expected = stream.expectedCounts(acked);
  const served = await servedCounts(url, expected.keys());
  assert.deepEqual(countMismatches(expected, served), [], `every acknowledged event is counted exactly once (${acked.size} batches acknowledged, ${refusedBatches.length} refused)`);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.equal(Number(/^eddy_ingest_overloaded_total (\d+)/m.exec(metrics)?.[1]), refusedWhileMeasuring + refusals.length, 'every refusal is counted in eddy_ingest_overloaded_total');
});
