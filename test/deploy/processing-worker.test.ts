// The embedded deployment runs its processor in a worker thread and serves from a replica that
// follows every commit. The replica must hold exactly what was committed: after a restart with the
// processor in the main thread (restored from the log alone), every store, the popularity index,
// stream time and the models read the same as the replica did before it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { startEmbeddedInstance } from '../../src/deploy/embedded.ts';
import type { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { Rng } from '../../src/sim/random.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function readable(p: PersonalizationProcessor) {
  return {
    stores: p.stores.flatMap((s) => s.snapshot()).map((w) => `${w.store}/${w.partition}/${w.key}=${w.value?.toString('base64')}`).sort(),
    popular: p.popularity.top().map((s) => ({ ...s })),
    categories: p.popularity.categories().sort(),
    streamTime: p.stats.streamTime,
    modelsVersion: p.models.version,
    embeddings: p.models.embeddings?.size,
  };
}

it('the serving replica holds exactly what the worker committed', async () => {
  const rng = new Rng(3);
  const now = Date.now() - 60_000;
  const worker = await startEmbeddedInstance({ dataDir: dir, partitions: 4 });
  let before;
  try {
    assert.ok(worker.processor.stores.length > 0);
    await worker.ingest.items(Array.from({ length: 50 }, (_, i) => ({ content_id: `c${i}`, category: `cat${i % 5}` })));
    for (let b = 0; b < 10; b++) {
      const batch = Array.from({ length: 300 }, (_, i) => {
        const n = b * 300 + i;
        const u = Math.floor(rng.next() * 80);
        return { event_id: `e${n}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: now + n * 10, event_type: rng.next() < 0.7 ? 'click' : 'view', content_id: `c${Math.floor(rng.next() * 60)}` };
      });
      assert.equal((await worker.ingest.events(batch)).accepted, 300);
    }
    await worker.drained();
    // A served list goes to the worker (it learns from it) and counts here at once.
    await worker.recommender.recommend({ userId: 'u1', k: 5 });
    before = readable(worker.processor);
    assert.equal(worker.processor.stats.processed, 3000);
    assert.ok(before.popular.length > 0 && before.modelsVersion > 0);
  } finally {
    await worker.stop();
  }
  const main = await startEmbeddedInstance({ dataDir: dir, partitions: 4, processingThread: 'main' });
  try {
    const restored = readable(main.processor);
    assert.deepEqual(restored.stores.filter((s) => !s.startsWith('models/')), before.stores.filter((s) => !s.startsWith('models/')), 'every store but the models');
    assert.deepEqual(restored, before, 'stores, models, popularity and stream time');
  } finally {
    await main.stop();
  }
});
