import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingModel, type EmbeddingOptions } from '../../src/models/embeddings.ts';
import { mulberry32 } from '../../src/models/exploration.ts';

const CLUSTERS = 4;
const PER_CLUSTER = 15;
const item = (c: number, j: number): string => `c${c}-i${j}`;

/** 200 users, each loyal to one taste cluster, interleaved in time like a real stream. */
function train(options: EmbeddingOptions): EmbeddingModel {
  const m = new EmbeddingModel({ seed: 42, ...options });
  const rng = mulberry32(9);
  const taste = Array.from({ length: 200 }, (_, u) => u % CLUSTERS);
  for (let step = 0; step < 12_000; step++) {
    const u = Math.floor(rng() * taste.length);
    m.observe(`u${u}`, item(taste[u], Math.floor(rng() * PER_CLUSTER)), step);
  }
  return m;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

for (const mode of ['context', 'mf'] as const) {
  test(`${mode} embeddings learn planted taste clusters`, () => {
    // a user vector moves only on its own ~60 events here, so MF needs a larger step to settle
    const m = train({ mode, learningRate: mode === 'mf' ? 0.1 : 0.05 });
    // centre the vectors: the component all items share encodes overall popularity, not taste,
    // and would dominate the cosine
    const mean = new Float32Array(m.opts.dim);
    for (let c = 0; c < CLUSTERS; c++) {
      for (let j = 0; j < PER_CLUSTER; j++) m.itemVector(item(c, j))!.forEach((v, d) => (mean[d] += v / (CLUSTERS * PER_CLUSTER)));
    }
    const vec = (id: string): Float32Array => m.itemVector(id)!.map((v, d) => v - mean[d]);
    let within = 0;
    let across = 0;
    let nw = 0;
    let na = 0;
    for (let c1 = 0; c1 < CLUSTERS; c1++) {
      for (let j1 = 0; j1 < PER_CLUSTER; j1++) {
        const v1 = vec(item(c1, j1));
        for (let c2 = 0; c2 < CLUSTERS; c2++) {
          for (let j2 = 0; j2 < PER_CLUSTER; j2++) {
            if (c1 === c2 && j1 === j2) continue;
            const s = cosine(v1, vec(item(c2, j2)));
            if (c1 === c2) {
              within += s;
              nw++;
            } else {
              across += s;
              na++;
            }
          }
        }
      }
    }
    assert.ok(within / nw > across / na + 0.3, `within ${within / nw}, across ${across / na}`);
    // a user's own cluster outranks the others
    const candidates = [item(0, 1), item(1, 1), item(2, 1), item(3, 1)];
    const scores = m.scoreItems('u2', candidates);
    assert.equal(scores.indexOf(Math.max(...scores)), 2);
    const near = m.nearest(m.itemVector(item(1, 3))!, 5, new Set([item(1, 3)]));
    assert.equal(near.length, 5);
    assert.ok(near.every((n) => n.id.startsWith('c1-')), JSON.stringify(near));
  });
}

test('recent items can stand in for the user', () => {
  const m = train({ mode: 'context' });
  const scores = m.scoreItems([item(3, 0), item(3, 4)], [item(0, 2), item(3, 2)]);
  assert.ok(scores[1] > scores[0]);
  assert.deepEqual([...m.scoreItems('nobody', [item(0, 1)])], [0]);
});

test('embeddings are deterministic and round-trip through JSON', () => {
  const a = train({ mode: 'mf', dim: 8 });
  const b = train({ mode: 'mf', dim: 8 });
  assert.deepEqual(a.itemVector(item(0, 0)), b.itemVector(item(0, 0)));
  const copy = EmbeddingModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  const cands = [item(0, 0), item(2, 3)];
  assert.deepEqual(copy.scoreItems('u5', cands), a.scoreItems('u5', cands));
  assert.equal(copy.size, CLUSTERS * PER_CLUSTER);
  assert.equal(copy.version, a.version);
});
