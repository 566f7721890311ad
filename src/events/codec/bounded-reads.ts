/**
 * Avro arrays and maps that a hostile record cannot turn into a hang or a polluted object. avsc
 * trusts the block counts it reads: a forged count of 2^32 items past the end of a 20-byte record
 * loops four billion times, reading nothing. These types refuse a count larger than the bytes left
 * (every item eddy's schemas put in an array or map takes at least one byte), nesting deeper than
 * the JSON input limit, and the keys json-input.ts refuses (`__proto__` would set the decoded
 * object's prototype). Plugged in with avsc's `typeHook`, so every array and map of a schema gets them.
 */
import avro from 'avsc';
import { DEFAULT_INPUT_LIMITS, RESERVED_KEYS } from '../json-input.ts';

/** The part of avsc's Tap these reads use (avsc does not export its type). */
interface Tap {
  readonly buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface Readable {
  _read(tap: Tap): unknown;
}

/** Deepest nesting of arrays and maps a record may have (the JSON limit: the same inputs pass). */
const MAX_NESTING = DEFAULT_INPUT_LIMITS.maxDepth;

// Nesting of the read in progress. Decoding is synchronous, so one counter serves every type.
let nesting = 0;

/** Size of the next block, checked against the bytes left. */
function blockSize(tap: Tap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // the block's size in bytes, which we do not need
  }
  const left = tap.buf.length - tap.pos;
  if (left < 0) throw new Error('the body ends early');
  if (n > left) throw new Error(`a block of ${n} items is longer than the ${left} bytes left`);
  return n;
}

function enter(): void {
  if (++nesting > MAX_NESTING) throw new Error(`arrays and maps are nested deeper than ${MAX_NESTING} levels`);
}

class BoundedArrayType extends avro.types.ArrayType {
  _read(tap: Tap): unknown[] {
    enter();
    try {
      const items = this.itemsType as unknown as Readable;
      const out: unknown[] = [];
      for (let n = blockSize(tap); n !== 0; n = blockSize(tap)) while (n-- > 0) out.push(items._read(tap));
      return out;
    } finally {
      nesting--;
    }
  }
}

class BoundedMapType extends avro.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    enter();
    try {
      const values = this.valuesType as Readable;
      const out: Record<string, unknown> = {};
      for (let n = blockSize(tap); n !== 0; n = blockSize(tap)) {
        while (n-- > 0) {
          const key = tap.readString();
          if (RESERVED_KEYS.has(key)) throw new Error(`the key ${key} is reserved`);
          out[key] = values._read(tap);
        }
      }
      return out;
    } finally {
      nesting--;
    }
  }
}

/** avsc `typeHook` that makes every array and map of a schema a bounded one. */
export function boundedReads(schema: avro.Schema, opts: unknown): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || 'logicalType' in schema) return undefined;
  const { type } = schema as { type?: unknown };
  if (type === 'array') return new BoundedArrayType(schema, opts);
  if (type === 'map') return new BoundedMapType(schema, opts);
  return undefined;
}
