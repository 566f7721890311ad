// Serving records every list it serves as impressions under the response's request_id; a click that
// carries the request_id trains the instance's ranker on that list, and fresh catalogue items take
// exploration slots (docs/API.md, GET /v1/recommendations).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { eventually, injectClient, type HttpClient } from '../support/http-client.ts';

let instance: Instance;
let app: FastifyInstance;
let client: HttpClient;
before(async () => {
  instance = await startEmbeddedInstance({ dataDir: ':memory:' });
  app = buildApp({ instance });
  client = injectClient(app);
});
after(async () => {
  await app.close();
  await instance.stop();
});

test('a click carrying the request_id of a served list trains the ranker on that list', async () => {
  const now = Date.now();
  await client.request('POST', '/v1/items', Array.from({ length: 40 }, (_, i) => ({ content_id: `i${i}`, category: `k${i % 4}` })));
  const events = [];
  for (let u = 0; u < 10; u++) for (let j = 0; j < 6; j++) events.push({ event_id: `b${u}-${j}`, user_id: `b${u}`, session_id: 's', timestamp: now - 60_000 + u * 10 + j, event_type: 'click', content_id: `i${(u + 4 * j) % 40}` });
  assert.equal((await client.request('POST', '/v1/events', events)).json.accepted, 60);
  assert.ok(await eventually(async () => instance.lag() === 0, 2000));

  const served = (await client.request('GET', '/v1/recommendations?user_id=b0&k=5')).json;
  assert.equal(served.items.length, 5);
  const before = instance.processor!.models.ranker!.version;
  const clicked = served.items[2].content_id;
  const click = { event_id: 'c1', user_id: 'b0', session_id: 's', timestamp: now, event_type: 'click', content_id: clicked, request_id: served.request_id };
  assert.equal((await client.request('POST', '/v1/events', click)).json.accepted, 1);
  assert.ok(await eventually(async () => instance.processor!.models.ranker!.version > before, 2000), 'the ranker learned from the served list');
  assert.ok(instance.processor!.models.ranker!.version - before >= 5, 'one update per impression of the ranked head');
});

test('items added to the catalogue are shown to known users by exploration', async () => {
  await client.request('POST', '/v1/items', [{ content_id: 'fresh-1', category: 'k9' }]);
  assert.ok(await eventually(async () => instance.lag() === 0, 2000));
  // Never-shown fresh items go first, oldest first, one explored slot per list of 10: the new item
  // waits behind the catalogue items nobody has seen yet, at most one request each.
  const { exploration } = instance.processor!.models;
  const waiting = exploration.freshItems(instance.processor!.stats.streamTime).filter((id) => exploration.statsOf(id).impressions === 0).length;
  assert.ok(waiting >= 1 && waiting < 20, `${waiting} never-shown fresh items`);
  let shownAt = 0;
  for (let r = 1; r <= 20 && shownAt === 0; r++) {
    const list = (await client.request('GET', `/v1/recommendations?user_id=b${r % 10}&k=10`)).json.items;
    const fresh = list.find((i: { content_id: string }) => i.content_id === 'fresh-1');
    if (fresh !== undefined) {
      shownAt = r;
      assert.deepEqual(fresh.reasons, ['exploration']);
    }
  }
  assert.ok(shownAt > 0 && shownAt <= waiting, `first shown at request ${shownAt}, ${waiting} waiting`);
  assert.ok(instance.processor!.models.exploration.statsOf('fresh-1').impressions >= 1);
});
