/**
 * A dense vector of float32 (an embedding, a few counters read together): a fixed length, set and
 * added to in place, committed as raw little-endian floats.
 */
import { ByteReader, ByteWriter } from './bytes.ts';

export class DenseVector {
  readonly values: Float32Array;

  constructor(readonly length: number) {
    if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`dense vector length must be a positive integer (got ${length})`);
    this.values = new Float32Array(length);
  }

  /** Adds `scale * other` element-wise (lengths must match). */
  addScaled(other: ArrayLike<number>, scale = 1): void {
    if (other.length !== this.length) throw new RangeError(`dense vector: length ${other.length} added to ${this.length}`);
    for (let i = 0; i < this.length; i++) this.values[i] += scale * other[i];
  }

  dot(other: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < this.length; i++) s += this.values[i] * other[i];
    return s;
  }

  sizeBytes(): number {
    return this.values.byteLength + 48;
  }

  encode(w: ByteWriter): void {
    w.uint(this.length);
    for (let i = 0; i < this.length; i++) w.f32(this.values[i]);
  }

  static decode(r: ByteReader): DenseVector {
    const v = new DenseVector(r.uint());
    for (let i = 0; i < v.length; i++) v.values[i] = r.f32();
    return v;
  }

  toJSON(): number[] {
    return [...this.values];
  }
}
