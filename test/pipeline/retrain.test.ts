// `eddy retrain`: the state a running instance learned online is rebuilt from the log in one batch,
// and the next start serves from it (and resumes its models).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openEmbeddedLog } from '../../src/log/embedded/embedded-log.ts';
import { startEmbeddedInstance } from '../../src/deploy/embedded.ts';
import { rebuildState } from '../../src/pipeline/rebuild.ts';
import { topicNames } from '../../src/pipeline/topics.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-retrain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('retrain rebuilds features and models from the log; a restarted instance serves from them', async () => {
  const now = Date.now();
  let instance = await startEmbeddedInstance({ dataDir: dir, partitions: 4 });
  await instance.ingest!.items(Array.from({ length: 40 }, (_, i) => ({ content_id: `c${i}`, category: `k${i % 4}` })));
  const events = [];
  for (let u = 0; u < 20; u++) {
    for (let j = 0; j < 8; j++) {
      events.push({ event_id: `e${u}-${j}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: now - 100_000 + u * 100 + j, event_type: 'click', content_id: `c${(u % 4) + 4 * ((u + j * 3) % 10)}` });
    }
  }
  await instance.ingest!.events(events);
  await instance.drained();
  const online = instance.processor.models.version;
  const onlineRow = [...(instance.processor.covis.get('c0')?.keys() ?? [])].sort();
  await instance.stop();
  assert.equal(online, 160);

  const log = openEmbeddedLog({ dataDir: dir });
  const result = await rebuildState({ log, topics: topicNames() });
  await log.close();
  assert.equal(result.interactions, 160);
  assert.equal(result.modelVersion, 160, 'the models saw every interaction once');

  instance = await startEmbeddedInstance({ dataDir: dir, partitions: 4 });
  try {
    assert.equal(instance.processor.models.version, 160, 'models restored from the rebuilt state');
    assert.equal(instance.processor.users.get('u0')!.n, 8);
    assert.deepEqual([...(instance.processor.covis.get('c0')?.keys() ?? [])].sort(), onlineRow);
    assert.equal(instance.lag(), 0, 'nothing is processed twice after the rebuild');
    const list = await instance.recommender.recommend({ userId: 'u0', k: 5 });
    assert.equal(list.length, 5);
  } finally {
    await instance.stop();
  }
});
