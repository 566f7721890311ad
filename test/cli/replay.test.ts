// `eddy replay` end to end, as a user runs it: progress on stderr, the summary JSON as the last
// stdout line (docs/API.md), with the baselines of the same run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { plantedUData } from '../support/planted-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-replay-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('eddy replay FILE --format movielens prints the summary JSON as its last stdout line', () => {
  const file = join(dir, 'u.data');
  plantedUData(file, { events: 1500, users: 60 });
  const run = spawnSync(process.execPath, ['bin/eddy.js', 'replay', file, '--format', 'movielens', '--k', '10'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]);
  assert.deepEqual(Object.keys(summary), ['events', 'users', 'items', 'k', 'hr', 'ndcg', 'coverage', 'events_per_sec', 'baselines']);
  assert.equal(summary.events, 1500);
  assert.equal(summary.users, 60);
  assert.equal(summary.k, 10);
  assert.deepEqual(Object.keys(summary.baselines), ['popularity', 'recent-popularity']);
  assert.ok(summary.hr > summary.baselines.popularity.hr, run.stdout);
  assert.match(run.stderr, /replay: 1500 events/);
});

test('eddy replay without a file fails with a message naming it', () => {
  const run = spawnSync(process.execPath, ['bin/eddy.js', 'replay'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /FILE: is required/);
});

test('eddy retrain on a folder without an eddy log says so', () => {
  const run = spawnSync(process.execPath, ['bin/eddy.js', 'retrain', '--data-dir', join(dir, 'nothing-here')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^eddy retrain: --data-dir: no eddy log in /m);
});
