import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteReader, ByteWriter } from '../../../src/stream/state/bytes.ts';

test('varints, floats and strings read back as written; small integers take one byte', () => {
  const w = new ByteWriter(1);
  w.uint(0).uint(127).uint(128).uint(2 ** 40).f32(0.1).f64(Math.PI).string('héllo').optionalString(null).optionalString('x');
  const bytes = w.finish();
  const r = new ByteReader(bytes);
  assert.deepEqual([r.uint(), r.uint(), r.uint(), r.uint()], [0, 127, 128, 2 ** 40]);
  assert.equal(r.f32(), Math.fround(0.1));
  assert.equal(r.f64(), Math.PI);
  assert.equal(r.string(), 'héllo');
  assert.equal(r.optionalString(), null);
  assert.equal(r.optionalString(), 'x');
  r.end();
  assert.equal(new ByteWriter().uint(5).finish().length, 1);
});

test('a truncated value is a RangeError, not garbage', () => {
  const bytes = new ByteWriter().string('abcdef').finish();
  assert.throws(() => new ByteReader(bytes.subarray(0, 3)).string(), RangeError);
  assert.throws(() => new ByteWriter().uint(-1), RangeError);
});
