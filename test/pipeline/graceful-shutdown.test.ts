/**
 * SIGTERM while events flow into `eddy start`: the process stops intake at once (writes answer
 * 503 EDDY_NOT_READY with Retry-After, /readyz 503, or the connection is refused once the server
 * has closed), works off and commits what it acknowledged, and exits 0. Restarted on the same
 * data directory, it has nothing left to process, and every acknowledged event is counted
 * exactly once: nothing acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEddyProcess, stopEddyProcess, type EddyProcess } from '../support/process.ts';

const BATCH = 200;
const ITEMS = 50;
const SIGNAL_AFTER_ACKS = 25;
const dir = mkdtempSync(join(tmpdir(), 'eddy-shutdown-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const itemOf = (n: number) => `c${(n * 7919) % ITEMS}`;

function batchOf(b: number) {
  const ts = Date.now();
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    return { event_id: `ev-${n}`, user_id: `u${n % 500}`, session_id: `s${n % 500}`, timestamp: ts, event_type: 'click', content_id: itemOf(n) };
  });
}

/** What the clients saw, in the order they saw it. */
interface Observed {
  acked: number[];
  /** Set once a refusal (503 or a refused connection) was received. */
  refusedAt?: number;
  /** Requests sent after a refusal had been received and still acknowledged (must stay empty). */
  ackedAfterRefusal: number[];
  refusals503: number;
  connectionErrors: number;
  readyzAfterSignal: number[];
}

/** Sends batches from a few clients until the process is gone; checks every answer on the way. */
async function sendUntilGone(p: EddyProcess, signalled: () => boolean, onAck: () => void, seen: Observed): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const b = next++;
      const sentAt = performance.now();
      let r: Response;
      try {
        r = await fetch(`${p.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batchOf(b)) });
      } catch (error) {
        if (!signalled()) throw error;
        seen.connectionErrors++;
        seen.refusedAt ??= performance.now();
        return; // the server has closed
      }
      if (r.status === 202) {
        const body = (await r.json()) as { accepted: number };
        assert.equal(body.accepted, BATCH);
        seen.acked.push(b);
        if (seen.refusedAt !== undefined && sentAt > seen.refusedAt) seen.ackedAfterRefusal.push(b);
        onAck();
      } else if (r.status === 503 && signalled()) {
        const body = (await r.json()) as { code: string; error: string; details: unknown[] };
        assert.equal(body.code, 'EDDY_NOT_READY');
        assert.ok(Number(r.headers.get('retry-after')) >= 1, 'a refusal says when to retry');
        seen.refusals503++;
        seen.refusedAt ??= performance.now();
        await new Promise((res) => setTimeout(res, 20));
      } else throw new Error(`unexpected ${r.status}: ${await r.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function pollReadyz(p: EddyProcess, seen: Observed, gone: () => boolean): Promise<void> {
  while (!gone()) {
    try {
      const r = await fetch(`${p.url}/readyz`);
      seen.readyzAfterSignal.push(r.status);
      await r.arrayBuffer();
    } catch {
      return;
    }
    await new Promise((res) => setTimeout(res, 5));
  }
}

test('SIGTERM mid-stream: intake refused with Retry-After, exit 0, nothing acknowledged lost', { timeout: 180_000 }, async () => {
  const first = await startEddyProcess(['--data-dir', dir]);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => first.child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const seen: Observed = { acked: [], ackedAfterRefusal: [], refusals503: 0, connectionErrors: 0, readyzAfterSignal: [] };
  let signalled = false;
  let readyz: Promise<void> | undefined;
  await sendUntilGone(
    first,
    () => signalled,
    () => {
      if (signalled || seen.acked.length < SIGNAL_AFTER_ACKS) return;
      signalled = true;
      first.child.kill('SIGTERM');
      readyz = pollReadyz(first, seen, () => gone);
    },
    seen,
  );
  await readyz;
  const { code, signal } = await exited;
  assert.equal(signal, null, first.stderr());
  assert.equal(code, 0, `exit code: ${first.stderr()}`);
  assert.match(first.stderr(), /stopped in \d+ ms/);
  assert.ok(seen.refusals503 + seen.connectionErrors > 0, 'requests after the signal were refused');
  assert.deepEqual(seen.ackedAfterRefusal, [], 'once intake was closed, it stayed closed');
  const firstStopping = seen.readyzAfterSignal.indexOf(503);
  if (firstStopping >= 0) assert.ok(seen.readyzAfterSignal.slice(firstStopping).every((s) => s === 503), `readyz after the signal: ${seen.readyzAfterSignal.join(',')}`);
  console.log(`acknowledged ${seen.acked.length} batches; refused: ${seen.refusals503} with 503, ${seen.connectionErrors} connections; readyz after the signal: ${seen.readyzAfterSignal.length} polls, first 503 at ${firstStopping}`);

  const second = await startEddyProcess(['--data-dir', dir]);
  try {
    const ready = (await (await fetch(`${second.url}/readyz`)).json()) as { lag: number };
    assert.equal(ready.lag, 0, 'everything acknowledged was processed and committed before the exit');
    const expected = new Map<string, number>();
    for (const b of seen.acked) for (let i = 0; i < BATCH; i++) expected.set(itemOf(b * BATCH + i), (expected.get(itemOf(b * BATCH + i)) ?? 0) + 1);
    let total = 0;
    for (let i = 0; i < ITEMS; i++) {
      const features = (await (await fetch(`${second.url}/v1/items/c${i}/features`)).json()) as { interactions_total?: number };
      assert.equal(features.interactions_total ?? 0, expected.get(`c${i}`) ?? 0, `c${i}`);
      total += features.interactions_total ?? 0;
    }
    assert.equal(total, seen.acked.length * BATCH, 'every acknowledged event counted exactly once');
  } finally {
    await stopEddyProcess(second);
  }
});
