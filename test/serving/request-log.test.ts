// Request logs at info carry the route pattern, never the raw url (ids, query strings) nor a body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';

let instance: Instance;
before(async () => {
  instance = await startEmbeddedInstance({ dataDir: ':memory:' });
});
after(() => instance.stop());

test('no user id, query string or body in the log at info level', async () => {
  const lines: string[] = [];
  const app = buildApp({ instance, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
  try {
    const secret = 'secret-user';
    const event = { user_id: secret, session_id: `${secret}-s`, timestamp: Date.now(), event_type: 'click', content_id: `${secret}-c` };
    assert.equal((await app.inject({ method: 'GET', url: `/v1/recommendations?user_id=${secret}` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: [event] })).statusCode, 202);
    await instance.drained();
    assert.equal((await app.inject({ method: 'GET', url: `/v1/users/${secret}/features` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: `/v1/users/${secret}-unknown/features` })).statusCode, 404);
    // Rejected and unparsable bodies, and an unknown route, are not logged either.
    assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: [{ user_id: secret }] })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: `{"user_id":"${secret}",` })).statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: `/v1/nowhere/${secret}?q=${secret}` })).statusCode, 404);

    const log = lines.join('');
    assert.ok(!log.includes(secret), `the log holds ${secret}:\n${log}`);
    const entries = lines.map((l) => JSON.parse(l) as { msg: string; route?: string; method?: string; statusCode?: number });
    const routes = entries.filter((e) => e.msg === 'request completed').map((e) => `${e.method} ${e.route} ${e.statusCode}`);
    assert.deepEqual(routes, [
      'GET /v1/recommendations 200',
      'POST /v1/events 202',
      'GET /v1/users/:user_id/features 200',
      'GET /v1/users/:user_id/features 404',
      'POST /v1/events 400',
      'POST /v1/events 400',
      'GET (no route) 404',
    ]);
  } finally {
    await app.close();
  }
});

test('probes are logged at debug only', async () => {
  const lines: string[] = [];
  const app = buildApp({ instance, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
  try {
    for (const url of ['/healthz', '/readyz', '/metrics']) await app.inject({ method: 'GET', url });
    assert.deepEqual(lines, []);
  } finally {
    await app.close();
  }
});
