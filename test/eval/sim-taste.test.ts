// On users of the `eddy simulate` world (hidden tastes of one or two categories, Zipf popularity in
// each), a replay of their traffic through eddy's pipeline finds the tastes: HR@10 at least twice
// global popularity's. The log goes through the JSONL reader, as `eddy replay --format jsonl` reads it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runReplay } from '../../src/eval/replay.ts';
import { Behaviour } from '../../src/sim/behaviour.ts';
import { SessionPool } from '../../src/sim/pool.ts';
import { Rng } from '../../src/sim/random.ts';
import { createWorld } from '../../src/sim/world.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-sim-taste-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('simulated users with hidden tastes: eddy HR@10 at least twice global popularity', async () => {
  const world = createWorld({ users: 200, items: 800, seed: 21, now: Date.parse('2026-11-28T12:00:00Z') });
  let clock = Date.parse('2026-11-28T12:00:00Z');
  const rng = new Rng(4);
  const pool = new SessionPool(world.users, new Behaviour(world, rng, { runId: 't', clock: () => (clock += 1000) }), rng, 30);
  const lines = world.items.map((item) => JSON.stringify({ type: 'item', ...item }));
  let content = 0;
  while (content < 15_000) {
    for (const e of pool.next()) {
      lines.push(JSON.stringify(e));
      if (e.content_id !== undefined) content++;
    }
  }
  const file = join(dir, 'sim.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const { summary } = await runReplay({ file, format: 'jsonl', k: 10, log: () => {} });
  const pop = summary.baselines!.popularity;
  assert.ok(summary.hr >= 2 * pop.hr, `eddy ${summary.hr.toFixed(4)} vs popularity ${pop.hr.toFixed(4)}`);
  assert.ok(summary.coverage > pop.coverage);
});
