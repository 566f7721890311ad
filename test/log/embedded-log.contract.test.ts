import { test } from 'node:test';
import { openEmbeddedLog } from '../../src/log/embedded/embedded-log.ts';
import { runLogContract } from './contract.ts';

test('the embedded log satisfies the Log contract', async (t) => {
  await runLogContract('embedded', async () => openEmbeddedLog({ dataDir: ':memory:' }), t);
});
