/**
 * The end-to-end scenario of issue #2, written once against an HttpClient so that it runs
 * unchanged against every deployment (embedded in-process, or Kafka + Redis with separate roles).
 */
import assert from 'node:assert/strict';
import { eventually, type HttpClient } from './http-client.ts';

const CATEGORIES = ['sports', 'news', 'tech', 'music'];

export async function runEndToEndScenario(client: HttpClient, t: { test: (name: string, fn: () => Promise<void>) => Promise<void> }): Promise<void> {
  const now = Date.now();
  const items = Array.from({ length: 80 }, (_, i) => ({ content_id: `c${i}`, category: CATEGORIES[i % 4], title: `Item ${i}` }));

  await t.test('a catalogue of 80 items in 4 categories is stored', async () => {
    const r = await client.request('POST', '/v1/items', items);
    assert.equal(r.status, 202);
    assert.equal(r.json.stored, 80);
  });

  await t.test('32 background users with one taste each are accepted', async () => {
    const events = [];
    let n = 0;
    for (let u = 0; u < 32; u++) {
      const cat = u % 4;
      for (let j = 0; j < 12; j++) {
        const item = cat + 4 * ((u * 7 + j * 3) % 20);
        events.push({ event_id: `bg-${u}-${j}`, user_id: `bg${u}`, session_id: `bgs${u}`, timestamp: now - 120_000 + n++, event_type: j % 3 === 0 ? 'view' : 'click', content_id: `c${item}`, device_type: 'mobile' });
      }
    }
    const r = await client.request('POST', '/v1/events', events);
    assert.equal(r.status, 202);
    assert.equal(r.json.accepted, events.length);
  });

  await t.test('a user who clicks 5 sports items gets mostly sports within 2 s, none of the clicked ones', async () => {
    const clicked = ['c0', 'c4', 'c8', 'c12', 'c16'];
    const sent = Date.now();
    const r = await client.request(
      'POST',
      '/v1/events',
      clicked.map((id, i) => ({ event_id: `me-${i}`, user_id: 'me', session_id: 'me-s1', timestamp: new Date(sent + i).toISOString(), event_type: 'click', content_id: id })),
    );
    assert.equal(r.json.accepted, 5);
    let last: any;
    const ok = await eventually(async () => {
      last = (await client.request('GET', '/v1/recommendations?user_id=me&k=10')).json;
      const sports = last.items.filter((i: any) => i.category === 'sports').length;
      return last.items.length === 10 && sports >= 6;
    }, 2000);
    assert.ok(ok, `after ${Date.now() - sent} ms: ${JSON.stringify(last)}`);
    for (const item of last.items) assert.ok(!clicked.includes(item.content_id), `${item.content_id} was clicked already`);
    assert.ok(typeof last.request_id === 'string' && last.request_id.length > 0);
    assert.ok(last.items.every((i: any) => Array.isArray(i.reasons) && i.reasons.length > 0));
  });

  await t.test('a cold user gets trending items', async () => {
    // Within the same 2 s: in the distributed deployment popularity takes a second hop (the
    // content_clicks repartition), which on a loaded machine may land after the user's own hop.
    let r = { status: 0, json: undefined as any };
    await eventually(async () => {
      r = await client.request('GET', '/v1/recommendations?user_id=nobody&k=5');
      return r.status === 200 && r.json.items.length === 5;
    }, 2000);
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, 5);
    assert.ok(r.json.items.every((i: any) => i.reasons.includes('trending')));
  });

  await t.test('one valid and three invalid events: 202, accepted 1, errors name each field', async () => {
    const r = await client.request('POST', '/v1/events', [
      { event_id: 'v-1', user_id: 'u-mixed', session_id: 's', timestamp: Date.now(), event_type: 'view', content_id: 'c1' },
      { session_id: 's', timestamp: Date.now(), event_type: 'view', content_id: 'c1' },
      { user_id: 'u-mixed', session_id: 's', timestamp: 'yesterday', event_type: 'view', content_id: 'c1' },
      { user_id: 'u-mixed', session_id: 's', timestamp: Date.now(), event_type: 'teleport', content_id: 'c1' },
    ]);
    assert.equal(r.status, 202);
    assert.equal(r.json.accepted, 1);
    assert.deepEqual(r.json.rejected.map((x: any) => x.index), [1, 2, 3]);
    assert.match(r.json.rejected[0].errors.join(), /\/user_id: is required/);
    assert.match(r.json.rejected[1].errors.join(), /\/timestamp:/);
    assert.match(r.json.rejected[2].errors.join(), /\/event_type:/);
  });

  await t.test('the second copy of an event_id is a duplicate and changes no count', async () => {
    const event = { event_id: 'dup-1', user_id: 'u-dup', session_id: 's', timestamp: Date.now(), event_type: 'click', content_id: 'c-fresh' };
    const first = await client.request('POST', '/v1/events', [event]);
    assert.equal(first.json.accepted, 1);
    const clicksAfterFirst = await eventually(async () => (await client.request('GET', '/v1/items/c-fresh/features')).json.clicks_10m === 1, 2000);
    assert.ok(clicksAfterFirst);
    const second = await client.request('POST', '/v1/events', [event]);
    assert.equal(second.status, 202);
    assert.equal(second.json.accepted, 0);
    assert.equal(second.json.duplicates, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await client.request('GET', '/v1/items/c-fresh/features')).json.clicks_10m, 1);
  });
}
