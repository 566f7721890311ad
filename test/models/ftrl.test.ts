import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ftrl, logLoss } from '../../src/models/ftrl.ts';
import { crossFeatures, FeatureHasher, murmur3 } from '../../src/models/feature-hashing.ts';
import { mulberry32 } from '../../src/models/exploration.ts';

/** Label follows `signal` 90% of the time; `noise-*` features are coin flips. */
function example(rng: () => number): { names: string[]; label: 0 | 1 } {
  const on = rng() < 0.5;
  const label: 0 | 1 = (rng() < 0.9) === on ? 1 : 0;
  const names = on ? ['signal'] : [];
  for (let j = 0; j < 5; j++) if (rng() < 0.5) names.push(`noise-${j}`);
  return { names, label };
}

test('murmur3 matches the reference vectors', () => {
  // reference values from the canonical MurmurHash3_x86_32 (SMHasher)
  assert.equal(murmur3('', 0), 0);
  assert.equal(murmur3('', 1), 0x514e28b7);
  assert.equal(murmur3('hello', 0), 0x248bfa47);
  assert.equal(murmur3('Hello, world!', 1234), 0xfaf6cdb3);
});

test('hasher is stable, bounded and crosses features', () => {
  const h = new FeatureHasher({ bits: 10, bias: false });
  const [a] = h.hash(['src=covis']);
  assert.equal(a.index, h.indexOf('src=covis'));
  assert.ok(a.index >= 0 && a.index < 1024);
  assert.deepEqual(crossFeatures(['cat=sports'], ['hour=20', { name: 'x', value: 2 }]), ['cat=sports^hour=20', { name: 'cat=sports^x', value: 2 }]);
});

test('FTRL moves toward the predictive feature and logloss falls', () => {
  const m = new Ftrl({ alpha: 1, beta: 1, l1: 0, l2: 0, bits: 16 });
  const rng = mulberry32(7);
  let early = 0;
  let late = 0;
  for (let i = 0; i < 6000; i++) {
    const { names, label } = example(rng);
    const p = m.update(m.hash(names), label);
    if (i < 500) early += logLoss(p, label);
    if (i >= 5500) late += logLoss(p, label);
  }
  assert.ok(m.weightOf('signal') > 1.5, `signal weight ${m.weightOf('signal')}`);
  for (let j = 0; j < 5; j++) assert.ok(Math.abs(m.weightOf(`noise-${j}`)) < 0.5);
  assert.ok(late < early * 0.8, `logloss ${early / 500} -> ${late / 500}`);
  assert.ok(m.predict(m.hash(['signal'])) > 0.8);
  assert.ok(m.predict(m.hash([])) < 0.2);
});

test('L1 makes irrelevant weights exactly zero', () => {
  // L1 is in units of summed gradients, so it must outgrow the chance correlation of 6000 examples
  const m = new Ftrl({ alpha: 1, l1: 100, l2: 1, bits: 16 });
  const rng = mulberry32(3);
  for (let i = 0; i < 6000; i++) {
    const { names, label } = example(rng);
    m.update(m.hash(names), label);
  }
  assert.notEqual(m.weightOf('signal'), 0);
  for (let j = 0; j < 5; j++) assert.equal(m.weightOf(`noise-${j}`), 0);
  assert.equal(m.weightOf('never-seen'), 0);
});

test('FTRL JSON round-trip predicts the same', () => {
  const m = new Ftrl({ bits: 12 });
  const rng = mulberry32(1);
  for (let i = 0; i < 500; i++) {
    const { names, label } = example(rng);
    m.update(m.hash(names), label);
  }
  const copy = Ftrl.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  assert.equal(copy.version, 500);
  const x = m.hash(['signal', 'noise-1']);
  assert.equal(copy.predict(x), m.predict(x));
  assert.throws(() => Ftrl.fromJSON({ ...m.toJSON(), z: '' }), RangeError);
});
