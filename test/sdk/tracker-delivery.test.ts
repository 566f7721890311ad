// The tracker against a scripted stand-in for eddy on a real socket (fake-eddy.ts): batching by
// size and by time, retries on 503/429/5xx and on refused connections with Retry-After honoured
// (asserted on the recorded request times), the same event_id on every attempt, partial
// rejections, refusals, the bounded queue dropping the oldest, and sessions on an injected clock.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTracker } from '../../sdk/src/index.ts';
import type { DropReason, TrackedEvent, TrackerOptions } from '../../sdk/src/index.ts';
import { freePort, sleep, startFakeEddy, type FakeEddy } from './fake-eddy.ts';

/** Timers fire a little late, never early; a loaded 2-core machine is allowed some slack. */
const EARLY_MS = 15;

const fakes: FakeEddy[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

async function fake(...args: Parameters<typeof startFakeEddy>): Promise<FakeEddy> {
  const f = await startFakeEddy(...args);
  fakes.push(f);
  return f;
}

/** A tracker with quick retries and no page hooks, recording what it drops. */
function tracker(url: string, options: Partial<TrackerOptions> = {}) {
  const drops: { reason: DropReason; ids: string[]; errors?: readonly string[] }[] = [];
  const t = createTracker({
    url,
    userId: 'u1',
    retryBaseMs: 10,
    retryMaxMs: 50,
    flushIntervalMs: 60_000,
    pageLifecycle: false,
    onDrop: (events, reason, errors) => drops.push({ reason, ids: events.map((e) => e.event_id), errors }),
    ...options,
  });
  return { t, drops };
}

const click = (i: number) => ({ event_type: 'click' as const, content_id: `c${i}` });

/** Every tracked event landed exactly once. */
function assertExactlyOnce(f: FakeEddy, tracked: readonly TrackedEvent[]): void {
  assert.equal(f.landed.size, tracked.length, 'every event landed');
  for (const e of tracked) assert.equal(f.landed.get(e.event_id), 1, `${e.event_id} landed once`);
}

describe('tracker delivery', { timeout: 30_000 }, () => {
  it('fills ids, time and session, and posts a plain JSON array with the API key', async () => {
    const f = await fake();
    const { t } = tracker(f.url + '/', { apiKey: 'w1' });
    const a = t.track(click(1));
    const b = t.track({ event_type: 'view', content_id: 'c2', user_id: 'u2', event_id: 'mine', session_id: 's9', timestamp: 5 });
    assert.equal(t.stats().queued, 2);
    await t.flush();
    assert.equal(f.requests.length, 1);
    const [request] = f.requests;
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.authorization, 'Bearer w1');
    assert.deepEqual(request.events, [a, b]);
    assert.equal(a.user_id, 'u1');
    assert.ok(typeof a.timestamp === 'number' && Math.abs(a.timestamp - Date.now()) < 5000);
    assert.equal(a.session_id, t.sessionId());
    assert.deepEqual([b.event_id, b.session_id, b.timestamp, b.user_id], ['mine', 's9', 5, 'u2']);
    assert.notEqual(a.event_id, t.track(click(3)).event_id);
    await t.close();
    assert.deepEqual(t.stats(), { sent: 3, dropped: 0, retried: 0, queued: 0 });
  });

  it('sends a full batch at once and the rest after flushIntervalMs', async () => {
    const f = await fake();
    const { t } = tracker(f.url, { batchSize: 3, flushIntervalMs: 400 });
    const trackedAt = performance.now();
    const tracked = Array.from({ length: 7 }, (_, i) => t.track(click(i)));
    while (f.requests.length < 2 && performance.now() - trackedAt < 300) await sleep(5);
    assert.deepEqual(f.requests.map((r) => r.events.length), [3, 3], 'two full batches at once, the seventh waits');
    while (f.requests.length < 3 && performance.now() - trackedAt < 5000) await sleep(10);
    assert.deepEqual(f.requests.map((r) => r.events.length), [3, 3, 1], 'the time limit sent the rest');
    assert.ok(f.requests[2].at - trackedAt >= 400 - EARLY_MS, `not before the interval (${Math.round(f.requests[2].at - trackedAt)} ms)`);
    assertExactlyOnce(f, tracked);
    await t.close();
  });

  it('retries 503 with Retry-After in seconds and as an HTTP date, sending the same event ids', async () => {
    let dateAsked = 0;
    const f = await fake((index) => {
      if (index === 0) return { status: 503, headers: { 'retry-after': '1' }, body: { error: 'processing is behind; retry later', code: 'EDDY_OVERLOADED', details: [] } };
      if (index === 1) {
        // A date two whole seconds ahead; HTTP dates have second resolution.
        dateAsked = Math.floor(Date.now() / 1000) * 1000 + 2000;
        return { status: 503, headers: { 'retry-after': new Date(dateAsked).toUTCString() } };
      }
      return undefined;
    });
    const { t } = tracker(f.url);
    const tracked = Array.from({ length: 5 }, (_, i) => t.track(click(i)));
    await t.flush();
    assert.equal(f.requests.length, 3);
    const [first, second, third] = f.requests;
    assert.ok(second.at - first.at >= 1000 - EARLY_MS, `Retry-After: 1 honoured (${second.at - first.at} ms)`);
    assert.ok(second.at - first.at < 2500, `and not much longer (${second.at - first.at} ms)`);
    // The date is compared with the wall clock when the 503 was answered.
    const askedWait = dateAsked - (Date.now() - (performance.now() - second.at));
    assert.ok(third.at - second.at >= askedWait - EARLY_MS, `the HTTP date honoured (${third.at - second.at} ms, asked ${askedWait})`);
    const ids = (r: { events: any[] }) => r.events.map((e) => e.event_id);
    assert.deepEqual(ids(second), ids(first));
    assert.deepEqual(ids(third), ids(first));
    assertExactlyOnce(f, tracked);
    assert.deepEqual(t.stats(), { sent: 5, dropped: 0, retried: 2, queued: 0 });
    await t.close();
  });

  it('retries 429 after its Retry-After, and 500 and 502 with backoff', async () => {
    const f = await fake((index) => [{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }, { status: 502 }][index]);
    const { t } = tracker(f.url);
    const tracked = [t.track(click(1)), t.track(click(2))];
    await t.flush();
    assert.equal(f.requests.length, 4);
    assert.ok(f.requests[1].at - f.requests[0].at >= 1000 - EARLY_MS, '429 Retry-After honoured');
    assertExactlyOnce(f, tracked);
    assert.equal(t.stats().retried, 3);
    await t.close();
  });

  it('counts a copy that landed before its answer was lost once (the server de-duplicates the retry)', async () => {
    const seen = new Set<string>();
    // Takes the events, then cuts the connection: the tracker must send them again.
    const f = await fake((index, events) => {
      if (index === 0) return { status: 202, destroy: true };
      const duplicates = events.filter((e) => seen.has(e.event_id)).length;
      return { status: 202, take: false, body: { accepted: events.length - duplicates, duplicates, rejected: [] } };
    });
    f.script = ((inner) => (index: number, events: any[]) => {
      const answer = inner(index, events);
      for (const e of events) seen.add(e.event_id);
      return answer;
    })(f.script);
    const { t } = tracker(f.url);
    const tracked = [t.track(click(1)), t.track(click(2))];
    await t.flush();
    assert.equal(f.requests.length, 2);
    assert.deepEqual(f.requests[1].events.map((e) => e.event_id), tracked.map((e) => e.event_id));
    assertExactlyOnce(f, tracked);
    assert.deepEqual(t.stats(), { sent: 2, dropped: 0, retried: 1, queued: 0 });
    await t.close();
  });

  it('retries while the connection is refused, until the server appears', async () => {
    const port = await freePort();
    const { t } = tracker(`http://127.0.0.1:${port}`, { retryBaseMs: 50, retryMaxMs: 200, maxRetries: 20 });
    const tracked = Array.from({ length: 4 }, (_, i) => t.track(click(i)));
    const flushed = t.flush();
    await sleep(400);
    assert.ok(t.stats().retried >= 1, 'it was refused and retried');
    assert.equal(t.stats().queued, 4);
    const f = await fake(undefined, port);
    await flushed;
    assertExactlyOnce(f, tracked);
    assert.equal(t.stats().sent, 4);
    await t.close();
  });

  it('gives a batch up after maxRetries, counting it dropped', async () => {
    const f = await fake(() => ({ status: 503 }));
    const { t, drops } = tracker(f.url, { maxRetries: 2 });
    const tracked = [t.track(click(1)), t.track(click(2))];
    await t.flush();
    assert.equal(f.requests.length, 3, 'the first attempt and two retries');
    assert.deepEqual(drops, [{ reason: 'retries_exhausted', ids: tracked.map((e) => e.event_id), errors: undefined }]);
    assert.deepEqual(t.stats(), { sent: 0, dropped: 2, retried: 2, queued: 0 });
    await t.close();
  });

  it('drops only the events a 202 lists as rejected, with their errors, and retries nothing', async () => {
    const f = await fake((_index, events) => ({
      status: 202,
      body: { accepted: events.length - 2, duplicates: 0, rejected: [{ index: 1, errors: ['/content_id: is required'] }, { index: 3, errors: ['/location: bad'] }] },
    }));
    const { t, drops } = tracker(f.url);
    const tracked = Array.from({ length: 5 }, (_, i) => t.track(click(i)));
    await t.flush();
    assert.equal(f.requests.length, 1);
    assert.deepEqual(drops, [
      { reason: 'rejected', ids: [tracked[1].event_id], errors: ['/content_id: is required'] },
      { reason: 'rejected', ids: [tracked[3].event_id], errors: ['/location: bad'] },
    ]);
    assert.deepEqual(t.stats(), { sent: 3, dropped: 2, retried: 0, queued: 0 });
    await t.close();
  });

  it('does not retry a 400: per-event rejections drop those events, other 4xx the batch', async () => {
    const answers = [
      // Nothing taken: eddy's 400 with the ingest body.
      { status: 400, body: { accepted: 0, duplicates: 0, rejected: [{ index: 0, errors: ['/user_id: is required'] }] } },
      { status: 400, body: { error: 'the request body could not be parsed', code: 'EDDY_INVALID_BODY', details: [] } },
      { status: 401, body: { error: 'missing or unknown API key', code: 'EDDY_UNAUTHORIZED', details: [] } },
    ];
    const f = await fake((index) => answers[index]);
    const { t, drops } = tracker(f.url, { batchSize: 1 });
    const tracked = [t.track(click(1)), t.track(click(2)), t.track(click(3))];
    await t.flush();
    assert.equal(f.requests.length, 3, 'one request each, no retry');
    assert.deepEqual(
      drops.map((d) => [d.reason, d.ids[0], d.errors]),
      [
        ['rejected', tracked[0].event_id, ['/user_id: is required']],
        ['refused', tracked[1].event_id, undefined],
        ['refused', tracked[2].event_id, undefined],
      ],
    );
    assert.deepEqual(t.stats(), { sent: 0, dropped: 3, retried: 0, queued: 0 });
    await t.close();
  });

  it('splits a batch answered 413 until the halves fit', async () => {
    const f = await fake((_index, events) => (events.length > 2 ? { status: 413 } : undefined));
    const { t } = tracker(f.url, { batchSize: 8 });
    const tracked = Array.from({ length: 8 }, (_, i) => t.track(click(i)));
    await t.flush();
    assert.deepEqual(f.requests.map((r) => r.events.length), [8, 4, 2, 2, 4, 2, 2]);
    assertExactlyOnce(f, tracked);
    await t.close();
  });

  it('holds at most maxQueue events, dropping the oldest and counting them', async () => {
    const f = await fake();
    const { t, drops } = tracker(f.url, { maxQueue: 5, batchSize: 100 });
    const tracked = Array.from({ length: 12 }, (_, i) => t.track(click(i)));
    assert.equal(t.stats().queued, 5);
    assert.equal(t.stats().dropped, 7);
    assert.ok(drops.every((d) => d.reason === 'queue_full'));
    assert.deepEqual(drops.flatMap((d) => d.ids), tracked.slice(0, 7).map((e) => e.event_id), 'the oldest went first');
    await t.flush();
    assert.deepEqual(f.requests[0].events.map((e) => e.event_id), tracked.slice(7).map((e) => e.event_id), 'the newest five were sent');
    assert.deepEqual(t.stats(), { sent: 5, dropped: 7, retried: 0, queued: 0 });
    await t.close();
  });

  it('keeps the queue bounded while a batch waits for its retries', async () => {
    let open = false;
    const f = await fake(() => (open ? undefined : { status: 503 }));
    const { t, drops } = tracker(f.url, { maxQueue: 4, batchSize: 2, maxRetries: 100 });
    const tracked = Array.from({ length: 2 }, (_, i) => t.track(click(i)));
    await sleep(30);
    // The first batch is held by the send loop; six more arrive, and only the last four are kept.
    for (let i = 2; i < 8; i++) tracked.push(t.track(click(i)));
    assert.equal(t.stats().queued, 2 + 4);
    assert.deepEqual(drops.flatMap((d) => d.ids), [tracked[2].event_id, tracked[3].event_id]);
    open = true;
    await t.flush();
    assert.deepEqual([...f.landed.keys()].sort(), [tracked[0], tracked[1], ...tracked.slice(4)].map((e) => e.event_id).sort());
    assert.deepEqual({ ...t.stats(), retried: 0 }, { sent: 6, dropped: 2, retried: 0, queued: 0 });
    await t.close();
  });

  it('starts a new session after sessionGapMs without events (injected clock)', async () => {
    const f = await fake();
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const { t } = tracker(f.url, { now: () => clock, sessionGapMs: 30 * 60_000, storage: null });
    const first = t.track(click(1));
    clock += 29 * 60_000;
    const second = t.track(click(2));
    clock += 29 * 60_000;
    const third = t.track(click(3));
    assert.equal(second.session_id, first.session_id);
    assert.equal(third.session_id, first.session_id, 'the gap counts from the last event');
    assert.equal(third.timestamp, clock, 'timestamps come from the same clock');
    clock += 31 * 60_000;
    assert.notEqual(t.sessionId(), first.session_id, 'the session is over after the gap');
    const fourth = t.track(click(4));
    assert.equal(fourth.session_id, t.sessionId());
    assert.notEqual(fourth.session_id, first.session_id);
    await t.close();
    assert.deepEqual(f.requests[0].events.map((e) => e.session_id), [first, second, third, fourth].map((e) => e.session_id));
  });

  it('after close, flushes what was queued and drops later events as closed', async () => {
    const f = await fake();
    const { t, drops } = tracker(f.url);
    t.track(click(1));
    await t.shutdown();
    assert.equal(f.requests.length, 1);
    const late = t.track(click(2));
    assert.deepEqual(drops, [{ reason: 'closed', ids: [late.event_id], errors: undefined }]);
    await t.flush();
    assert.deepEqual(t.stats(), { sent: 1, dropped: 1, retried: 0, queued: 0 });
  });

  it('refuses bad options naming them', () => {
    assert.throws(() => createTracker({ url: '' }), /url is required/);
    assert.throws(() => createTracker({ url: 'http://x', batchSize: 0 }), /batchSize must be a number >= 1/);
    assert.throws(() => createTracker({ url: 'http://x', maxRetries: -1 }), /maxRetries/);
  });
});
