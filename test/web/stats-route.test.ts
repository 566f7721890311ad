/** GET /v1/stats (src/serving/stats-route.ts): the dashboard's JSON summary. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { histogramQuantile, type StatsResponse } from '../../src/serving/stats-route.ts';
import { parseApiKeys } from '../../src/serving/auth.ts';

describe('GET /v1/stats', () => {
  let instance: Instance;
  let app: FastifyInstance;
  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:' });
    app = buildApp({ instance });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await instance.stop();
  });

  it('histogramQuantile interpolates like Prometheus', () => {
    const b = new Map([[0.1, 50], [1, 100], [Infinity, 100]]);
    assert.equal(histogramQuantile(0.5, b), 0.1);
    assert.ok(Math.abs(histogramQuantile(0.75, b)! - 0.55) < 1e-9);
    assert.equal(histogramQuantile(0.5, new Map([[1, 0], [Infinity, 0]])), null);
    assert.equal(histogramQuantile(0.99, new Map([[1, 1], [Infinity, 10]])), 1, 'the +Inf bucket answers the highest finite bound');
  });

  it('summarizes counters, lag, latencies and trending', async () => {
    await app.inject({ method: 'POST', url: '/v1/items', payload: [{ content_id: 'a', category: 'news' }, { content_id: 'b', category: 'tech' }] });
    const now = Date.now();
    const events = Array.from({ length: 30 }, (_, i) => ({ user_id: `u${i % 3}`, session_id: 's', timestamp: now + i, event_type: 'click', content_id: i % 3 === 0 ? 'b' : 'a' }));
    await app.inject({ method: 'POST', url: '/v1/events', payload: [...events, { user_id: 'x' }] });
    await instance.drained();
    await app.inject({ url: '/v1/recommendations?user_id=u1' });
    // The series needs two samples 200 ms apart (the one taken at start and this request's).
    await new Promise((resolve) => setTimeout(resolve, 250));
    const r = await app.inject({ url: '/v1/stats' });
    assert.equal(r.statusCode, 200, r.body);
    const s = r.json() as StatsResponse;
    assert.equal(s.counters.ingested, 30);
    assert.equal(s.counters.rejected, 1);
    assert.equal(s.counters.processed, 32, '30 events + 2 catalogue records');
    assert.equal(s.lag.total, 0);
    assert.equal(s.freshness.count, 30);
    assert.ok(s.freshness.p50_ms! > 0 && s.freshness.p99_ms! >= s.freshness.p50_ms!);
    assert.equal(s.serving_latency.count, 1, '/v1/stats itself is not counted as serving');
    assert.deepEqual(s.trending.items.map((i) => [i.content_id, i.category]), [['a', 'news'], ['b', 'tech']]);
    const trending = (await app.inject({ url: '/v1/trending?window=10m' })).json();
    assert.deepEqual(s.trending.items.map(({ content_id, count }) => ({ content_id, count })), trending.items, 'the same figures as /v1/trending');
    assert.ok(Array.isArray(s.series) && s.series.length >= 1);
    assert.ok(s.rates.ingested_per_s > 0);
  });

  it('needs the read scope when API keys are configured', async () => {
    const keyed = buildApp({ instance, apiKeys: parseApiKeys('r1:read,w1:write') });
    try {
      assert.equal((await keyed.inject({ url: '/v1/stats' })).statusCode, 401);
      assert.equal((await keyed.inject({ url: '/v1/stats', headers: { authorization: 'Bearer w1' } })).statusCode, 403);
      assert.equal((await keyed.inject({ url: '/v1/stats', headers: { authorization: 'Bearer r1' } })).statusCode, 200);
    } finally {
      await keyed.close();
    }
  });
});
