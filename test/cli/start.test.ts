// `eddy start` without API keys listens on loopback only: any other interface is refused with
// EDDY_CONFIG_INVALID saying how to set keys, before anything starts; with keys it listens there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEddyProcess, stopEddyProcess } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-start-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a non-loopback host without API keys is refused, naming how to set keys', () => {
  for (const args of [['--host', '0.0.0.0'], ['--host', '192.0.2.1']]) {
    const run = spawnSync(process.execPath, ['bin/eddy.js', 'start', '--port', '0', '--data-dir', join(dir, 'refused'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, EDDY_API_KEYS: '' } });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /refusing to listen on .* without API keys/);
    assert.match(run.stderr, /EDDY_API_KEYS="key:read\+write"/);
    assert.match(run.stderr, /--api-keys/);
  }
});

test('with API keys it listens on the interface asked for, and stops on SIGTERM with 0', { timeout: 60_000 }, async () => {
  const p = await startEddyProcess(['--host', '0.0.0.0', '--api-keys', 'k1:read', '--data-dir', join(dir, 'keyed')]);
  // Fastify names the first address of 0.0.0.0 (127.0.0.1): that it listens beyond loopback is
  // what the refusal above would have stopped, so reaching it at all is the check.
  assert.match(p.stderr(), /serving on http:\/\//);
  assert.doesNotMatch(p.stderr(), /refusing/);
  assert.equal((await fetch(`${p.url}/v1/trending`)).status, 401);
  // Reachable on a non-loopback address of this machine, when it has one.
  const external = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
  if (external !== undefined) {
    const port = new URL(p.url).port;
    assert.equal((await fetch(`http://${external.address}:${port}/healthz`)).status, 200);
  }
  assert.equal((await fetch(`${p.url}/v1/trending`, { headers: { authorization: 'Bearer k1' } })).status, 200);
  const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
  await stopEddyProcess(p);
  assert.equal(await exited, 0, p.stderr());
});
