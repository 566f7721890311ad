// Shared by the primitives' tests: a primitive through its binary form and back.
import { ByteReader, ByteWriter } from '../../../src/stream/state/bytes.ts';

/** Encodes with `encode`, decodes with `decode`, and checks that every byte was read. */
export function roundTrip<T>(value: { encode(w: ByteWriter): void }, decode: (r: ByteReader) => T): { copy: T; bytes: number } {
  const w = new ByteWriter(4);
  value.encode(w);
  const bytes = w.finish();
  const r = new ByteReader(bytes);
  const copy = decode(r);
  r.end();
  return { copy, bytes: bytes.length };
}
