// eddy's replay drives the service's own processor and recommender: a restart in the middle resumes
// learning from the committed models, the ranker learns from the served lists, and exploration
// shows newly catalogued items.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PipelineRecommender } from '../../src/eval/pipeline-replay.ts';
import { runReplay } from '../../src/eval/replay.ts';
import { plantedUData } from '../support/planted-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-pipeline-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, 'u.data');
const EVENTS = 5000;
plantedUData(log, { events: EVENTS });

test('a replay stopped in the middle and resumed from its data dir ends with the same metrics (within 1%)', async () => {
  const quiet = { log: () => {}, baselines: false } as const;
  const whole = (await runReplay({ file: log, format: 'movielens', ...quiet })).results[0];
  const data = join(dir, 'state');
  const first = (await runReplay({ file: log, format: 'movielens', dataDir: data, stopAfter: EVENTS / 2, ...quiet })).results[0];
  const lines: string[] = [];
  const second = (await runReplay({ file: log, format: 'movielens', dataDir: data, log: (l) => lines.push(l), baselines: false })).results[0];
  assert.ok(lines.some((l) => l.includes(`resuming after event ${EVENTS / 2}`)), lines.join('\n'));
  assert.equal(first.count + second.count, whole.count, 'every scored event scored once');
  const hr = (first.hr * first.count + second.hr * second.count) / whole.count;
  const ndcg = (first.ndcg * first.count + second.ndcg * second.count) / whole.count;
  assert.ok(Math.abs(hr - whole.hr) <= 0.01 * whole.hr, `resumed HR ${hr} vs uninterrupted ${whole.hr}`);
  assert.ok(Math.abs(ndcg - whole.ndcg) <= 0.01 * whole.ndcg, `resumed NDCG ${ndcg} vs uninterrupted ${whole.ndcg}`);
});

test('the ranker trained on served lists weighs what predicts the next item: strong co-visitation up, none down', async () => {
  const { readReplay } = await import('../../src/eval/readers.ts');
  const { runPrequential } = await import('../../src/eval/prequential.ts');
  const eddy = await PipelineRecommender.open();
  await runPrequential((await readReplay(log, 'movielens')).events, [eddy], { k: 10 });
  const ranker = eddy.processor.models.ranker!;
  assert.ok(ranker.version > 10 * EVENTS, `trained on every served list (${ranker.version} impressions)`);
  const strong = ranker.weightOf('covis', 9);
  const none = ranker.weightOf('covis', 0);
  assert.ok(strong > none + 0.5, `covis=9 ${strong} vs covis=0 ${none}`);
});

test('newly catalogued items get impressions within ceil(new items / (share * k)) requests (share 0.1, k 10)', async () => {
  const eddy = await PipelineRecommender.open();
  const { readReplay } = await import('../../src/eval/readers.ts');
  for (const e of (await readReplay(log, 'movielens')).events.slice(0, 2000)) eddy.learn(e);
  const fresh = ['new-1', 'new-2', 'new-3'];
  eddy.loadCatalog(new Map(fresh.map((id) => [id, { category: 'new' }])));
  const shownAt = new Map<string, number>();
  for (let request = 1; request <= 30 && shownAt.size < fresh.length; request++) {
    const list = await eddy.recommender.recommend({ userId: String(1 + (request % 50)), k: 10 });
    assert.equal(list.length, 10);
    for (const item of list) if (fresh.includes(item.content_id) && !shownAt.has(item.content_id)) {
      shownAt.set(item.content_id, request);
      assert.deepEqual(item.reasons, ['exploration']);
    }
  }
  assert.equal(shownAt.size, 3, `shown: ${JSON.stringify([...shownAt])}`);
  // one explored slot per list (0.1 * 10), never-shown items first: the third new item by request 3
  assert.ok(Math.max(...shownAt.values()) <= Math.ceil(fresh.length / (0.1 * 10)), `last first impression at request ${Math.max(...shownAt.values())}`);
  for (const id of fresh) assert.ok(eddy.processor.models.exploration.statsOf(id).impressions >= 1);
});
