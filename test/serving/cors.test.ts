// CORS for browser trackers: only the configured origins, preflight for POST /v1/events with
// content-type and authorization, no CORS headers at all when no origin is configured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { parseApiKeys } from '../../src/serving/auth.ts';

let instance: Instance;
before(async () => {
  instance = await startEmbeddedInstance({ dataDir: ':memory:' });
});
after(() => instance.stop());

const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/v1/events',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
});
const event = { user_id: 'u1', session_id: 's1', timestamp: Date.now(), event_type: 'click', content_id: 'c1' };

test('an allowed origin gets its preflight answered and CORS headers on the POST', async () => {
  const app = buildApp({ instance, apiKeys: parseApiKeys('w1:write'), corsOrigins: ['https://shop.example'] });
  try {
    const pre = await app.inject(preflight('https://shop.example'));
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://shop.example');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase();
    assert.ok(allowed.includes('content-type') && allowed.includes('authorization'), allowed);
    const post = await app.inject({ method: 'POST', url: '/v1/events', headers: { origin: 'https://shop.example', authorization: 'Bearer w1' }, payload: event });
    assert.equal(post.statusCode, 202);
    assert.equal(post.headers['access-control-allow-origin'], 'https://shop.example');
    assert.match(String(post.headers['access-control-expose-headers']), /retry-after/i);
    const refused = await app.inject({ method: 'POST', url: '/v1/events', headers: { origin: 'https://shop.example' }, payload: event });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], 'https://shop.example', 'errors carry CORS headers too, so the tracker can read them');

    const other = await app.inject(preflight('https://evil.example'));
    assert.equal(other.headers['access-control-allow-origin'], undefined, 'an origin not on the list gets no CORS headers');
  } finally {
    await app.close();
  }
});

test('a refusal by the rate limit carries CORS headers, so a tracker can read Retry-After', async () => {
  const app = buildApp({ instance, corsOrigins: ['https://shop.example'], rateLimit: { max: 1, windowMs: 60_000 } });
  try {
    const post = () => app.inject({ method: 'POST', url: '/v1/events', headers: { origin: 'https://shop.example' }, payload: event });
    assert.equal((await post()).statusCode, 202);
    const limited = await post();
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['access-control-allow-origin'], 'https://shop.example');
    assert.ok(limited.headers['retry-after'] !== undefined);
  } finally {
    await app.close();
  }
});

test('without configured origins no CORS header is sent', async () => {
  const app = buildApp({ instance });
  try {
    const pre = await app.inject(preflight('https://shop.example'));
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    const post = await app.inject({ method: 'POST', url: '/v1/events', headers: { origin: 'https://shop.example' }, payload: event });
    assert.equal(post.statusCode, 202);
    assert.equal(post.headers['access-control-allow-origin'], undefined);
  } finally {
    await app.close();
  }
});
