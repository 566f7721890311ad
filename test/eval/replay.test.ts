import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runReplay } from '../../src/eval/replay.ts';
import { mulberry32 } from '../../src/models/exploration.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('runReplay reads u.data, answers the API.md summary and writes a self-contained report', async () => {
  const rng = mulberry32(3);
  const lines: string[] = [];
  for (let t = 0; t < 3000; t++) {
    const u = 1 + Math.floor(rng() * 50);
    // each user sticks to one block of 20 items
    lines.push(`${u}\t${(u % 5) * 20 + 1 + Math.floor(rng() * 20)}\t${1 + Math.floor(rng() * 5)}\t${880000000 + t}`);
  }
  const data = join(dir, 'u.data');
  writeFileSync(data, lines.join('\n') + '\n');
  const report = join(dir, 'report.html');
  const logged: string[] = [];
  const { summary } = await runReplay({ file: data, format: 'movielens', k: 10, report, log: (l) => logged.push(l) });
  assert.deepEqual(Object.keys(summary).slice(0, 8), ['events', 'users', 'items', 'k', 'hr', 'ndcg', 'coverage', 'events_per_sec']);
  assert.equal(summary.events, 3000);
  assert.equal(summary.users, 50);
  assert.ok(summary.hr > summary.baselines!.popularity.hr, JSON.stringify(summary));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<svg[\s\S]*eddy/);
  assert.doesNotMatch(html, /<script/);
  assert.ok(logged.some((l) => l.includes('3000 events')));
});
