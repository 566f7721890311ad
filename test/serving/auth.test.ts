// API keys: scopes, constant-time matching (digests, every key compared), errors naming /apiKeys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EddyError } from '../../src/errors.ts';
import { authorize, matchKey, parseApiKeys } from '../../src/serving/auth.ts';

const keys = parseApiKeys('alpha-key:read,beta-key:read+write,gamma:admin');
const code = (f: () => void) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as EddyError).code;
  }
};

test('a key matches only exactly; prefixes, extensions and other schemes do not', () => {
  assert.deepEqual([...matchKey(keys, 'Bearer beta-key')!.scopes], ['read', 'write']);
  assert.equal(matchKey(keys, 'Bearer  beta-key ')?.scopes.has('write'), true, 'surrounding blanks are ignored');
  for (const header of ['Bearer beta', 'Bearer beta-key2', 'Bearer ', 'Basic beta-key', 'beta-key', undefined]) {
    assert.equal(matchKey(keys, header), undefined, String(header));
  }
  assert.match(matchKey(keys, 'Bearer gamma')!.id, /^[0-9a-f]{64}$/, 'named by its digest, not the key');
  assert.ok(!matchKey(keys, 'Bearer gamma')!.id.includes('gamma'));
});

test('scopes: read, write, admin covers all; no keys means open', () => {
  assert.equal(code(() => authorize(keys, 'Bearer alpha-key', 'read')), 'ok');
  assert.equal(code(() => authorize(keys, 'Bearer alpha-key', 'write')), 'EDDY_FORBIDDEN');
  assert.equal(code(() => authorize(keys, 'Bearer gamma', 'write')), 'ok');
  assert.equal(code(() => authorize(keys, 'Bearer nope', 'read')), 'EDDY_UNAUTHORIZED');
  assert.equal(code(() => authorize(keys, undefined, 'read')), 'EDDY_UNAUTHORIZED');
  assert.equal(code(() => authorize(new Map(), undefined, 'write')), 'ok');
});

test('bad key specs fail with EDDY_CONFIG_INVALID naming /apiKeys, without echoing the key', () => {
  for (const [spec, problem] of [['secret-one', /entry 1 must look like key:read\+write/], ['a:read,b:fly', /unknown scope "fly"/]] as const) {
    assert.throws(
      () => parseApiKeys(spec),
      (e: unknown) => e instanceof EddyError && e.code === 'EDDY_CONFIG_INVALID' && e.details.some((d) => String(d).startsWith('/apiKeys') && problem.test(String(d))) && !e.message.includes('secret-one'),
    );
  }
});
