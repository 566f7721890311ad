import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmbeddedInstance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';

test('when processing is behind, ingest answers 503 with Retry-After instead of buffering', async () => {
  // maxLag 1: the second request finds the first one's events not yet processed.
  const instance = await startEmbeddedInstance({ dataDir: ':memory:', maxLag: 1 });
  const app = buildApp({ instance });
  try {
    const events = Array.from({ length: 50 }, (_, i) => ({ user_id: `u${i}`, session_id: 's', timestamp: Date.now(), event_type: 'view', content_id: 'c1' }));
    const first = await app.inject({ method: 'POST', url: '/v1/events', payload: events });
    assert.equal(first.statusCode, 202);
    const second = await app.inject({ method: 'POST', url: '/v1/events', payload: events });
    assert.equal(second.statusCode, 503);
    assert.equal(second.headers['retry-after'], '1');
    assert.equal(second.json().code, 'EDDY_OVERLOADED');
    await instance.drained();
    const third = await app.inject({ method: 'POST', url: '/v1/events', payload: events.slice(0, 1) });
    assert.equal(third.statusCode, 202, 'accepted again once processing caught up');
  } finally {
    await app.close();
    await instance.stop();
  }
});
