/**
 * How records and state writes cross between the stream task's thread and its processing worker.
 * A structured clone of a Buffer copies the whole ArrayBuffer beneath it (a record's value is a view
 * into its decoded batch), so the bytes of a message are packed into one buffer that is transferred,
 * not copied, with the small fields beside it.
 */
import type { AppendRecord, LogRecord, StateWrite } from '../log/types.ts';

/** Bytes of many values in one transferable buffer: value i is `bytes[ends[i-1] .. ends[i])`. */
export interface PackedBytes {
  readonly bytes: Uint8Array;
  /** End of each value; -1 marks a null value (a deleted key). */
  readonly ends: Int32Array;
}

function packValues(values: readonly (Buffer | null)[]): PackedBytes {
  let total = 0;
  for (const v of values) if (v !== null) total += v.byteLength;
  const bytes = new Uint8Array(total);
  const ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      ends[i] = -1;
      continue;
    }
    bytes.set(v, at);
    at += v.byteLength;
    ends[i] = at;
  }
  return { bytes, ends };
}

/** The values of {@link packValues}, as Buffers over the one received buffer (no copies). */
function unpackValues(packed: PackedBytes): (Buffer | null)[] {
  const out: (Buffer | null)[] = new Array(packed.ends.length);
  const all = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  let start = 0;
  for (let i = 0; i < packed.ends.length; i++) {
    const end = packed.ends[i];
    if (end < 0) {
      out[i] = null;
      continue;
    }
    out[i] = all.subarray(start, end);
    start = end;
  }
  return out;
}

/** The buffers a packed message transfers. */
export function transferList(...packed: PackedBytes[]): ArrayBuffer[] {
  return packed.flatMap((p) => [p.bytes.buffer as ArrayBuffer, p.ends.buffer as ArrayBuffer]);
}

export interface PackedRecords {
  readonly topics: string[];
  readonly partitions: Int32Array;
  readonly offsets: Float64Array;
  readonly timestamps: Float64Array;
  readonly keys: string[];
  /** Headers per record; null where a record has none (most records). */
  readonly headers: (Readonly<Record<string, string>> | null)[];
  readonly values: PackedBytes;
}

export function packRecords(records: readonly LogRecord[]): PackedRecords {
  const n = records.length;
  const out: PackedRecords = {
    topics: new Array<string>(n),
    partitions: new Int32Array(n),
    offsets: new Float64Array(n),
    timestamps: new Float64Array(n),
    keys: new Array<string>(n),
    headers: new Array<Readonly<Record<string, string>> | null>(n),
    values: packValues(records.map((r) => r.value)),
  };
  for (let i = 0; i < n; i++) {
    const r = records[i];
    out.topics[i] = r.topic;
    out.partitions[i] = r.partition;
    out.offsets[i] = r.offset;
    out.timestamps[i] = r.timestamp;
    out.keys[i] = r.key;
    out.headers[i] = Object.keys(r.headers).length === 0 ? null : r.headers;
  }
  return out;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function unpackRecords(p: PackedRecords): LogRecord[] {
  const values = unpackValues(p.values);
  const out: LogRecord[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = { topic: p.topics[i], partition: p.partitions[i], offset: p.offsets[i], timestamp: p.timestamps[i], key: p.keys[i], headers: p.headers[i] ?? NO_HEADERS, value: values[i]! };
  }
  return out;
}

export interface PackedWrites {
  readonly stores: string[];
  readonly partitions: Int32Array;
  readonly keys: string[];
  readonly values: PackedBytes;
}

export function packWrites(writes: readonly StateWrite[]): PackedWrites {
  return {
    stores: writes.map((w) => w.store),
    partitions: Int32Array.from(writes, (w) => w.partition),
    keys: writes.map((w) => w.key),
    values: packValues(writes.map((w) => w.value)),
  };
}

export function unpackWrites(p: PackedWrites): StateWrite[] {
  const values = unpackValues(p.values);
  return values.map((value, i) => ({ store: p.stores[i], partition: p.partitions[i], key: p.keys[i], value }));
}

export interface PackedAppends {
  readonly records: Omit<AppendRecord, 'value'>[];
  readonly values: PackedBytes;
}

export function packAppends(records: readonly AppendRecord[]): PackedAppends {
  return { records: records.map(({ value: _value, ...rest }) => rest), values: packValues(records.map((r) => r.value)) };
}

export function unpackAppends(p: PackedAppends): AppendRecord[] {
  const values = unpackValues(p.values);
  return p.records.map((r, i) => ({ ...r, value: values[i]! }));
}
