/**
 * Single numbers a feature owns: a float64 (`Scalar`, e.g. the last event time) or a non-negative
 * integer (`Count`, e.g. all-time interactions) that commits as a varint of one to a few bytes.
 */
import { ByteReader, ByteWriter } from './bytes.ts';

/** One float64. */
export class Scalar {
  constructor(public value = 0) {}

  /** Keeps the larger of the value and `v` (a "last seen" time never moves back). */
  raise(v: number): void {
    if (v > this.value) this.value = v;
  }

  sizeBytes(): number {
    return 24;
  }

  encode(w: ByteWriter): void {
    w.f64(this.value);
  }

  static decode(r: ByteReader): Scalar {
    return new Scalar(r.f64());
  }

  toJSON(): number {
    return this.value;
  }
}

/** A non-negative integer count. */
export class Count {
  constructor(public value = 0) {}

  increment(by = 1): void {
    this.value += by;
  }

  sizeBytes(): number {
    return 24;
  }

  encode(w: ByteWriter): void {
    w.uint(this.value);
  }

  static decode(r: ByteReader): Count {
    return new Count(r.uint());
  }

  toJSON(): number {
    return this.value;
  }
}
