/**
 * Regressions from issue 7's "Why", each tried as a new user would on main at 44325d0: one bad
 * clock wiped every real-time feature; windows stood still when traffic stopped; a deeply nested
 * event made a 500; a `__proto__` key cost the valid events beside it their place.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { EmbeddedLog } from '../../src/log/embedded/embedded-log.ts';
import { startEmbeddedInstance, type EmbeddedInstance } from '../../src/deploy/embedded.ts';
import { DEFAULT_PROCESSING, type ProcessingConfig } from '../../src/pipeline/personalization-processor.ts';
import { buildApp } from '../../src/serving/app.ts';
import { eventually } from '../support/http-client.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(dataDir: string, processing: ProcessingConfig = DEFAULT_PROCESSING): Promise<{ instance: EmbeddedInstance; app: FastifyInstance; close(): Promise<void> }> {
  const instance = await startEmbeddedInstance({ dataDir, partitions: 4, processing });
  const app = buildApp({ instance });
  return {
    instance,
    app,
    async close() {
      await app.close();
      await instance.stop();
    },
  };
}

function click(n: number, ts: unknown, content = 'c1') {
  return { event_id: `e${n}`, user_id: `u${n % 7}`, session_id: `s${n % 7}`, timestamp: ts, event_type: 'click', content_id: content };
}

async function post(app: FastifyInstance, payload: string | object) {
  const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  return { status: r.statusCode, body: r.json() as { accepted: number; duplicates: number; rejected: { index: number; errors: string[] }[] } };
}

async function itemFeatures(app: FastifyInstance, id: string) {
  return (await app.inject({ url: `/v1/items/${id}/features` })).json() as Record<string, number>;
}

describe('issue 7 regressions', () => {
  it('One bad clock wipes every real-time feature: a timestamp of 1e308 or in 2031 is rejected naming /timestamp, windows and trending stay, also after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-clock-'));
    dirs.push(dir);
    let eddy = await open(dir);
    const now = Date.now();
    const first = await post(eddy.app, [click(1, now), click(2, now), click(3, now)]);
    assert.equal(first.body.accepted, 3);
    const bad = await post(eddy.app, [click(4, 1e308), click(5, '2031-06-01T00:00:00Z'), click(6, 0), click(7, Math.floor(now / 1000)), click(8, now)]);
    assert.equal(bad.status, 202);
    assert.equal(bad.body.accepted, 1, 'only the event with a real clock is taken');
    assert.deepEqual(bad.body.rejected.map((r) => r.index), [0, 1, 2, 3]);
    for (const r of bad.body.rejected) assert.match(r.errors.join(';'), /^\/timestamp: /, JSON.stringify(r));
    await eddy.instance.drained();
    const read = async () => ({
      features: await itemFeatures(eddy.app, 'c1'),
      trending: (await eddy.app.inject({ url: '/v1/trending?window=10m&k=5' })).json() as { items: { content_id: string; count: number }[] },
    });
    const before = await read();
    assert.equal(before.features.clicks_10m, 4);
    assert.equal(before.features.activity_1h > 0, true);
    assert.deepEqual(before.trending.items.map((i) => i.content_id), ['c1']);
    assert.equal(eddy.instance.processor.stats.streamTime, now, 'stream time is the newest accepted event');
    await eddy.close();

    eddy = await open(dir);
    assert.deepEqual(await read(), before, 'a restart reads what was committed');
    // The dead-letter topic has the rejected events with their reasons.
    const log = eddy.instance.log as EmbeddedLog;
    const dead = [0, 1, 2, 3].flatMap((p) => log.readPartition(eddy.instance.topics.deadLetter, p, 0, 100));
    assert.equal(dead.filter((r) => /\/timestamp/.test(r.headers['eddy-error'] ?? '')).length, 4);
    await eddy.close();
  });

  it('Stream time stands still when traffic stops: after the idle timeout it follows the wall clock and windows empty out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-idle-'));
    dirs.push(dir);
    const eddy = await open(dir, { ...DEFAULT_PROCESSING, idleTimeoutMs: 300 });
    // Events from 11 minutes ago: inside the 1-hour window, outside the 10-minute one once time moves on.
    const then = Date.now() - 11 * 60_000;
    assert.equal((await post(eddy.app, [click(1, then), click(2, then), click(3, then)])).body.accepted, 3);
    await eddy.instance.drained();
    const moved = await eventually(async () => (await itemFeatures(eddy.app, 'c1')).clicks_10m === 0, 30_000, 50);
    assert.ok(moved, 'clicks_10m empties once the instance is idle');
    const features = await itemFeatures(eddy.app, 'c1');
    assert.equal(features.clicks_1h, 3, 'the hour window still holds them');
    assert.ok(eddy.instance.processor.stats.streamTime >= Date.now() - 70_000, 'stream time follows the wall clock minus the allowed lateness');
    const trending = (await eddy.app.inject({ url: '/v1/trending?window=10m' })).json() as { items: unknown[] };
    assert.deepEqual(trending.items, []);
    await eddy.close();
  });

  it('5xx from a request body: an event nested 5,000 levels deep is one rejection, its neighbours are taken', async () => {
    const eddy = await open(':memory:');
    const now = Date.now();
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
    const hostile = `{"user_id":"u","session_id":"s","timestamp":${now},"event_type":"click","content_id":"c","properties":${deep}}`;
    const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const r = await post(eddy.app, `[${JSON.stringify(click(1, now))},${hostile},${deepArray},${JSON.stringify(click(2, now))}]`);
    assert.equal(r.status, 202);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(r.body.rejected.map((x) => x.index), [1, 2]);
    assert.match(r.body.rejected[0].errors[0], /^\/properties\/a\/a\/a\/a\/a\/a\/a: is nested deeper than 8 levels/);
    await eddy.close();
  });

  it('Valid events lost beside a bad one: __proto__, constructor and prototype keys are rejected per event, the rest kept, nothing polluted', async () => {
    const eddy = await open(':memory:');
    const now = Date.now();
    const body = `[${JSON.stringify(click(1, now))},
      {"__proto__":{"polluted":true},"user_id":"u","session_id":"s","timestamp":${now},"event_type":"click","content_id":"c"},
      {"user_id":"u","session_id":"s","timestamp":${now},"event_type":"click","content_id":"c","properties":{"constructor":{"prototype":{"polluted":true}}}},
      {"user_id":"u","session_id":"s","timestamp":${now},"event_type":"click","content_id":"c","properties":{"x":{"prototype":1}}},
      ${JSON.stringify(click(2, now))}]`;
    const r = await post(eddy.app, body);
    assert.equal(r.status, 202);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(r.body.rejected.map((x) => x.index), [1, 2, 3]);
    assert.deepEqual(r.body.rejected.map((x) => x.errors[0].split(':')[0]), ['/__proto__', '/properties/constructor', '/properties/x/prototype']);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    // NDJSON and catalogue items follow the same rules.
    const nd = await eddy.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify(click(3, now))}\n{"__proto__":{}}\nnot json\n${JSON.stringify(click(4, now))}\n`,
    });
    assert.equal(nd.statusCode, 202);
    assert.deepEqual(nd.json(), {
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 1, errors: ['/__proto__: is a reserved key'] },
        { index: 2, errors: ['/: is not valid JSON'] },
      ],
    });
    const item = await eddy.app.inject({ method: 'PUT', url: '/v1/items/c9', headers: { 'content-type': 'application/json' }, payload: '{"category":"x","constructor":{}}' });
    assert.equal(item.statusCode, 400);
    assert.deepEqual(item.json().details, ['/constructor: is a reserved key']);
    await eddy.close();
  });
});
