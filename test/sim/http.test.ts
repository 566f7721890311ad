import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpoint, retryAfterMs } from '../../src/sim/http.ts';

test('URLs stay under the base URL, path prefix included', () => {
  const e = new Endpoint('http://127.0.0.1:8080/eddy');
  assert.equal(e.url('v1/events').href, 'http://127.0.0.1:8080/eddy/v1/events');
  assert.equal(e.url('/v1/recommendations', { user_id: 'u 1', k: '10' }).href, 'http://127.0.0.1:8080/eddy/v1/recommendations?user_id=u+1&k=10');
  // A protocol-relative path cannot switch host: it is taken as a path below the base.
  assert.equal(e.url('//elsewhere.example/x').origin, 'http://127.0.0.1:8080');
  assert.throws(() => e.url('../admin'), /refusing/);
});

test('Retry-After: seconds, HTTP dates, missing and capped', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  assert.equal(retryAfterMs('2', now), 2000);
  assert.equal(retryAfterMs('Sat, 28 Nov 2026 10:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs(null, now), 1000);
  assert.equal(retryAfterMs('junk', now), 1000);
  assert.equal(retryAfterMs('3600', now), 30_000);
});
