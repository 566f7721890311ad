// The tracker against a real eddy (an embedded instance, its HTTP API on a loopback port, API
// keys on): tracked events land exactly once (the items' features and eddy's ingest counters say
// so), also when answers are lost after eddy took a batch (the retry's copies are duplicates),
// when eddy's rate limit answers 429 with Retry-After, and when some events of a batch are
// invalid (only those are dropped, with eddy's reasons).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type EmbeddedInstance } from '../../src/deploy/embedded.ts';
import { buildApp, type AppOptions } from '../../src/serving/app.ts';
import { parseApiKeys } from '../../src/serving/auth.ts';
import { createTracker, type DropReason, type TrackedEvent, type TrackerOptions } from '../../sdk/src/index.ts';
import { startProxy } from './proxy.ts';

const KEYS = parseApiKeys('w1:write,r1:read');

describe('tracker against a running eddy', { timeout: 60_000 }, () => {
  let instance: EmbeddedInstance;
  const apps: FastifyInstance[] = [];
  let reads: FastifyInstance;

  async function serve(options: Partial<AppOptions> = {}): Promise<string> {
    const app = buildApp({ instance, apiKeys: KEYS, ...options });
    apps.push(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  const counter = async (name: 'eventsIngested' | 'eventsDuplicate' | 'eventsRejected'): Promise<number> => (await instance.metrics[name].get()).values[0]?.value ?? 0;

  /** Features of an item, read through eddy's API with the read key. */
  async function itemFeatures(id: string): Promise<Record<string, number>> {
    const r = await reads.inject({ method: 'GET', url: `/v1/items/${id}/features`, headers: { authorization: 'Bearer r1' } });
    return r.statusCode === 404 ? {} : r.json();
  }

  /** Tracks `count` clicks spread over `items` items named `<prefix>N`; returns them and the clicks per item. */
  function clicks(track: (e: { event_type: 'click'; content_id: string }) => TrackedEvent, prefix: string, count: number, items: number) {
    const expected = new Map<string, number>();
    const tracked: TrackedEvent[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${prefix}${i % items}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
      tracked.push(track({ event_type: 'click', content_id: id }));
    }
    return { tracked, expected };
  }

  async function assertLandedOnce(expected: ReadonlyMap<string, number>): Promise<void> {
    await instance.drained();
    for (const [id, count] of expected) {
      const features = await itemFeatures(id);
      assert.equal(features.interactions_total, count, `${id} interactions_total`);
      assert.equal(features.clicks_10m, count, `${id} clicks_10m`);
    }
  }

  const trackerFor = (url: string, options: Partial<TrackerOptions> = {}) => {
    const drops: { reason: DropReason; events: readonly TrackedEvent[]; errors?: readonly string[] }[] = [];
    const tracker = createTracker({
      url,
      apiKey: 'w1',
      userId: 'sdk-user',
      pageLifecycle: false,
      retryBaseMs: 20,
      retryMaxMs: 200,
      onDrop: (events, reason, errors) => drops.push({ reason, events, errors }),
      ...options,
    });
    return { tracker, drops };
  };

  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:', processingThread: 'main', commitIntervalMs: 20 });
    reads = buildApp({ instance, apiKeys: KEYS });
    apps.push(reads);
  });
  after(async () => {
    for (const app of apps) await app.close();
    await instance?.stop();
  });

  it('delivers tracked events in batches, each exactly once', async () => {
    const url = await serve();
    const ingested = await counter('eventsIngested');
    const { tracker, drops } = trackerFor(url, { batchSize: 7 });
    const { expected } = clicks((e) => tracker.track(e), 'plain', 40, 5);
    await tracker.flush();
    assert.deepEqual(tracker.stats(), { sent: 40, dropped: 0, retried: 0, queued: 0 });
    assert.deepEqual(drops, []);
    assert.equal((await counter('eventsIngested')) - ingested, 40);
    await assertLandedOnce(expected);
    const user = await reads.inject({ method: 'GET', url: '/v1/users/sdk-user/features', headers: { authorization: 'Bearer r1' } });
    assert.equal(user.json().session.session_id, tracker.sessionId(), 'the tracker\'s session reached the user\'s features');
    await tracker.close();
  });

  it('counts each event once when answers are lost after eddy took the batch', async () => {
    const url = await serve();
    // Every other batch reaches eddy, which writes it, and its answer is cut off.
    const proxy = await startProxy(url, (index) => (index % 2 === 0 ? { kind: 'cut' } : { kind: 'forward' }));
    try {
      const [ingested, duplicates] = [await counter('eventsIngested'), await counter('eventsDuplicate')];
      const { tracker } = trackerFor(proxy.url, { batchSize: 6 });
      const { expected } = clicks((e) => tracker.track(e), 'cut', 30, 4);
      await tracker.flush();
      assert.equal(proxy.posts.length, 10, 'five batches, each sent twice');
      for (let i = 0; i < 10; i += 2) assert.deepEqual(proxy.posts[i + 1].eventIds, proxy.posts[i].eventIds, 'the retry carries the same event ids');
      assert.deepEqual(tracker.stats(), { sent: 30, dropped: 0, retried: 5, queued: 0 });
      assert.equal((await counter('eventsIngested')) - ingested, 30, 'eddy took each event once');
      assert.equal((await counter('eventsDuplicate')) - duplicates, 30, 'and knew every retried copy by its event_id');
      await assertLandedOnce(expected);
      await tracker.close();
    } finally {
      await proxy.close();
    }
  });

  it('waits out eddy\'s rate limit (429 with Retry-After) and then delivers', async () => {
    const url = await serve({ rateLimit: { max: 2, windowMs: 1000 } });
    const { tracker } = trackerFor(url, { batchSize: 5 });
    const { expected } = clicks((e) => tracker.track(e), 'limited', 15, 3);
    await tracker.flush();
    assert.ok(tracker.stats().retried >= 1, 'the third batch was refused with 429 and retried');
    assert.equal(tracker.stats().sent, 15);
    // The limit's window is one second; the tracker waited for it instead of hammering.
    assert.ok(tracker.stats().retried <= 3, `retried ${tracker.stats().retried} times`);
    await assertLandedOnce(expected);
    await tracker.close();
  });

  it('drops only the invalid events of a batch, with eddy\'s reasons', async () => {
    const url = await serve();
    const { tracker, drops } = trackerFor(url, { batchSize: 100 });
    tracker.track({ event_type: 'click', content_id: 'mixed0' });
    const missingContent = tracker.track({ event_type: 'click' });
    tracker.track({ event_type: 'view', content_id: 'mixed0' });
    const badLocation = tracker.track({ event_type: 'click', content_id: 'mixed0', location: 'berlin' });
    await tracker.flush();
    assert.deepEqual(
      drops.map((d) => [d.reason, d.events[0].event_id]),
      [
        ['rejected', missingContent.event_id],
        ['rejected', badLocation.event_id],
      ],
    );
    assert.match(drops[0].errors!.join(' '), /content_id/);
    assert.match(drops[1].errors!.join(' '), /location/);
    assert.deepEqual(tracker.stats(), { sent: 2, dropped: 2, retried: 0, queued: 0 });
    await instance.drained();
    assert.equal((await itemFeatures('mixed0')).interactions_total, 2);

    // A batch of only invalid events: eddy answers 400 with the same body; nothing is retried.
    tracker.track({ event_type: 'like' });
    await tracker.flush();
    assert.deepEqual(tracker.stats(), { sent: 2, dropped: 3, retried: 0, queued: 0 });
    await tracker.close();
  });

  it('drops a batch eddy refuses for a wrong key, without retrying', async () => {
    const url = await serve();
    const { tracker, drops } = trackerFor(url, { apiKey: 'not-a-key' });
    tracker.track({ event_type: 'click', content_id: 'refused0' });
    await tracker.flush();
    assert.deepEqual(drops.map((d) => d.reason), ['refused']);
    assert.deepEqual(tracker.stats(), { sent: 0, dropped: 1, retried: 0, queued: 0 });
    await tracker.close();
  });
});
