// Rate limits: per API key when keys are configured, per address otherwise; 429 EDDY_RATE_LIMITED
// with Retry-After in the shape of every eddy error; probes and scrapes never limited.
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

const trending = (remoteAddress: string, authorization?: string) => ({ method: 'GET' as const, url: '/v1/trending', remoteAddress, headers: authorization ? { authorization } : {} });

test('without keys each client address has its own allowance; over it, 429 with Retry-After', async () => {
  const app = buildApp({ instance, rateLimit: { max: 3, windowMs: 60_000 } });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await app.inject(trending('10.0.0.1'))).statusCode, 200);
    const limited = await app.inject(trending('10.0.0.1'));
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, 'EDDY_RATE_LIMITED');
    assert.equal(typeof limited.json().error, 'string');
    assert.ok(Array.isArray(limited.json().details));
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.equal((await app.inject(trending('10.0.0.2'))).statusCode, 200, 'another address is not limited');
    for (const url of ['/metrics', '/healthz', '/readyz']) {
      assert.equal((await app.inject({ method: 'GET', url, remoteAddress: '10.0.0.1' })).statusCode, 200, `${url} is exempt`);
    }
  } finally {
    await app.close();
  }
});

test('with keys the allowance is per key, whatever the address; requests without a valid key count per address', async () => {
  const app = buildApp({ instance, apiKeys: parseApiKeys('k1:read,k2:read'), rateLimit: { max: 2, windowMs: 60_000 } });
  try {
    assert.equal((await app.inject(trending('10.0.0.1', 'Bearer k1'))).statusCode, 200);
    assert.equal((await app.inject(trending('10.0.0.2', 'Bearer k1'))).statusCode, 200);
    assert.equal((await app.inject(trending('10.0.0.3', 'Bearer k1'))).statusCode, 429, 'k1 used up from three addresses');
    assert.equal((await app.inject(trending('10.0.0.1', 'Bearer k2'))).statusCode, 200, 'k2 has its own allowance');
    // Made-up keys buy no fresh allowance: they count against the address.
    assert.equal((await app.inject(trending('10.0.0.9', 'Bearer x1'))).statusCode, 401);
    assert.equal((await app.inject(trending('10.0.0.9', 'Bearer x2'))).statusCode, 401);
    assert.equal((await app.inject(trending('10.0.0.9', 'Bearer x3'))).statusCode, 429);
  } finally {
    await app.close();
  }
});

test('max 0 and no rateLimit option both mean no limit', async () => {
  for (const rateLimit of [{ max: 0, windowMs: 60_000 }, undefined]) {
    const app = buildApp({ instance, rateLimit });
    try {
      for (let i = 0; i < 50; i++) assert.equal((await app.inject(trending('10.0.0.1'))).statusCode, 200);
    } finally {
      await app.close();
    }
  }
});
