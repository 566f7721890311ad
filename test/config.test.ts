import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { EddyError } from '../src/errors.ts';

test('flags win over the environment, the environment over defaults', () => {
  const c = loadConfig(['--port', '9000'], { EDDY_PORT: '8000', EDDY_DATA_DIR: '/tmp/d', EDDY_KAFKA_BROKERS: 'a:1,b:2' });
  assert.equal(c.port, 9000);
  assert.equal(c.dataDir, '/tmp/d');
  assert.deepEqual(c.brokers, ['a:1', 'b:2']);
  assert.equal(c.host, '127.0.0.1');
});

test('invalid settings fail with the path that is wrong', () => {
  assert.throws(
    () => loadConfig(['--port', 'eighty', '--log', 'files'], {}),
    (e: unknown) => e instanceof EddyError && e.code === 'EDDY_CONFIG_INVALID' && e.details.some((d) => String(d).startsWith('/port')) && e.details.some((d) => String(d).startsWith('/log')),
  );
  assert.throws(() => loadConfig(['--nope', '1'], {}), /unknown option --nope/);
});
