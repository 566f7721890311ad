// The intake gate of a graceful shutdown: once closed, writes answer 503 EDDY_NOT_READY with
// Retry-After, /readyz 503, reads are still served, and every answer closes its connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { IntakeGate, SHUTDOWN_RETRY_AFTER_SEC } from '../../src/serving/intake-gate.ts';

let instance: Instance;
before(async () => {
  instance = await startEmbeddedInstance({ dataDir: ':memory:' });
});
after(() => instance.stop());

const event = { user_id: 'u1', session_id: 's1', timestamp: Date.now(), event_type: 'click', content_id: 'c1' };

test('closed: writes and /readyz answer 503 with Retry-After, reads go on', async () => {
  const intake = new IntakeGate();
  const app = buildApp({ instance, intake });
  try {
    assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: event })).statusCode, 202);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    intake.close();
    for (const request of [
      { method: 'POST', url: '/v1/events', payload: event },
      { method: 'POST', url: '/v1/items', payload: [{ content_id: 'c2' }] },
      { method: 'PUT', url: '/v1/items/c3', payload: { category: 'x' } },
    ] as const) {
      const r = await app.inject(request);
      assert.equal(r.statusCode, 503, `${request.method} ${request.url}`);
      assert.equal(r.json().code, 'EDDY_NOT_READY');
      assert.equal(r.headers['retry-after'], String(SHUTDOWN_RETRY_AFTER_SEC));
      assert.equal(r.headers.connection, 'close');
    }
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'stopping');
    const read = await app.inject({ method: 'GET', url: '/v1/trending' });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers.connection, 'close');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still alive');
  } finally {
    await app.close();
  }
});

test('idle() waits for the writes in flight when the gate closed', async () => {
  const intake = new IntakeGate();
  const app = buildApp({ instance, intake });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  app.addHook('preHandler', async (request) => {
    if (request.method === 'POST') await held;
  });
  try {
    const inFlight = app.inject({ method: 'POST', url: '/v1/events', payload: event });
    await new Promise((r) => setTimeout(r, 50));
    intake.close();
    assert.equal(await intake.idle(50), false, 'a write is still in flight');
    const idle = intake.idle(5000);
    release();
    assert.equal((await inFlight).statusCode, 202, 'accepted before the gate closed: answered');
    assert.equal(await idle, true);
    assert.equal(await intake.idle(0), true);
  } finally {
    await app.close();
  }
});
