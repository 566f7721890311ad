/**
 * kill -9 in the middle of a stream of 100k events with unique ids, restart on the same data
 * directory, resend whatever was not acknowledged: every item's click count equals the number of
 * distinct click events for it (no loss, no double count).
 * Before that, a kill -9 right after a commit: the restarted instance reads exactly what the killed
 * one read (windowed counts, CTR, trending), because stream time is committed with the windows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEddyProcess, stopEddyProcess, type EddyProcess } from '../support/process.ts';
import { eventually } from '../support/http-client.ts';

const EVENTS = 100_000;
const BATCH = 1000;
const ITEMS = 100;
const dir = mkdtempSync(join(tmpdir(), 'eddy-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function batchOf(b: number) {
  const ts = Date.now();
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    return { event_id: `ev-${n}`, user_id: `u${n % 2000}`, session_id: `s${n % 2000}`, timestamp: ts, event_type: 'click', content_id: `c${(n * 7919) % ITEMS}` };
  });
}

/** Sends batches with a few in flight; stops (without throwing) once the process is gone. */
async function send(p: EddyProcess, batches: number[], acked: Set<number>, onAck?: () => void, dead: () => boolean = () => false): Promise<void> {
  const queue = [...batches];
  const worker = async () => {
    for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
      try {
        const r = await fetch(`${p.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batchOf(b)) });
        if (r.status === 202) {
          acked.add(b);
          onAck?.();
        } else if (r.status === 503) {
          queue.push(b);
          await new Promise((res) => setTimeout(res, 200));
        } else throw new Error(`unexpected ${r.status}: ${await r.text()}`);
      } catch (error) {
        if (dead()) return; // we killed it: stop sending
        throw error;
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Every windowed value a user reads: each item's features and both trending lists. */
async function readWindows(url: string) {
  const features: Record<string, unknown> = {};
  for (let i = 0; i < ITEMS; i++) features[`c${i}`] = await (await fetch(`${url}/v1/items/c${i}/features`)).json();
  const trending10m = await (await fetch(`${url}/v1/trending?window=10m&k=200`)).json();
  const trending1h = await (await fetch(`${url}/v1/trending?window=1h&k=200`)).json();
  return { features, trending10m, trending1h };
}

async function lagOf(url: string): Promise<number> {
  return ((await (await fetch(`${url}/readyz`)).json()) as { lag: number }).lag;
}

async function killHard(p: EddyProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await new Promise((r) => (p.child.exitCode !== null || p.child.signalCode !== null ? r(null) : p.child.once('exit', r)));
}

test('kill -9 mid-stream, restart, resend the unacknowledged: exact counts', { timeout: 240_000 }, async () => {
  const all = Array.from({ length: EVENTS / BATCH }, (_, b) => b);
  const acked = new Set<number>();
  // Phase 1: a kill -9 right after everything was committed (lag 0 counts committed positions).
  const zeroth = await startEddyProcess(['--data-dir', dir]);
  await send(zeroth, all.slice(0, 20), acked);
  assert.ok(await eventually(async () => (await lagOf(zeroth.url)) === 0, 60_000, 100), 'processing caught up');
  const committed = await readWindows(zeroth.url);
  await killHard(zeroth);
  const restarted = await startEddyProcess(['--data-dir', dir]);
  assert.deepEqual(await readWindows(restarted.url), committed, 'windows, CTR and trending read what the last commit held');
  const c0 = committed.features.c0 as Record<string, number>;
  assert.ok(c0.clicks_10m > 0 && c0.activity_1h > 0, 'the windows hold the events');
  await stopEddyProcess(restarted);

  // Phase 2: a kill -9 mid-stream.
  const first = await startEddyProcess(['--data-dir', dir]);
  let killed = false;
  await send(first, all.filter((b) => !acked.has(b)), acked, () => {
    if (!killed && acked.size >= 40) {
      killed = true;
      first.child.kill('SIGKILL');
    }
  }, () => killed);
  assert.ok(killed, 'the process was killed mid-stream');
  await new Promise((r) => first.child.exitCode !== null || first.child.signalCode !== null ? r(null) : first.child.once('exit', r));
  const ackedBeforeCrash = acked.size;
  assert.ok(ackedBeforeCrash < all.length, 'some batches were not acknowledged before the crash');

  const second = await startEddyProcess(['--data-dir', dir]);
  try {
    await send(second, all.filter((b) => !acked.has(b)), acked);
    assert.equal(acked.size, all.length);
    // Ground truth: every event is distinct and was eventually acknowledged.
    const expected = new Map<string, number>();
    for (let n = 0; n < EVENTS; n++) expected.set(`c${(n * 7919) % ITEMS}`, (expected.get(`c${(n * 7919) % ITEMS}`) ?? 0) + 1);
    const drained = await eventually(async () => ((await (await fetch(`${second.url}/readyz`)).json()) as { lag: number }).lag === 0, 60_000, 200);
    assert.ok(drained, 'processing caught up');
    for (const [item, count] of expected) {
      const features = (await (await fetch(`${second.url}/v1/items/${item}/features`)).json()) as Record<string, number>;
      assert.equal(features.interactions_total, count, `${item}`);
      // Every event is from the last few minutes: the windows hold all of them, exactly once.
      assert.equal(features.clicks_10m, count, `${item} clicks_10m`);
      assert.equal(features.clicks_1h, count, `${item} clicks_1h`);
      assert.equal(features.activity_1h, features.activity_10m, `${item} activity`);
      assert.equal(features.ctr_1h, Math.round(((count + 0.5) / 10) * 1e4) / 1e4, `${item} ctr_1h`);
    }
    const trending = (await (await fetch(`${second.url}/v1/trending?window=10m&k=200`)).json()) as { items: { content_id: string }[] };
    const expectedOrder = [...expected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    assert.deepEqual(trending.items.map((i) => i.content_id), expectedOrder);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    const duplicates = Number(/^eddy_events_duplicate_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    console.log(`acked before crash: ${ackedBeforeCrash} batches; duplicates reported on resend: ${duplicates}`);
  } finally {
    await stopEddyProcess(second);
  }
});
