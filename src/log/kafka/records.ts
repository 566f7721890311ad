/**
 * Turning fetched record batches into LogRecords, with read_committed filtering done here as well.
 *
 * @platformatic/kafka 1.35 filters aborted transactions itself, but (a) it keys aborted ranges by
 * producer id, so of two aborted transactions of one producer in one fetch only the last is
 * dropped, and (b) it keeps an aborted transaction's records when its abort marker is not in the
 * same fetch response ("open range"). Both would show aborted outputs to a read_committed reader.
 * This pass applies Kafka's own algorithm (Java Fetcher): walk the batches in offset order; an
 * aborted transaction listed by the broker becomes active at its first offset and ends at its
 * producer's abort marker; transactional batches of an active producer are skipped.
 */
import type { RecordsBatch } from '@platformatic/kafka';
import type { LogRecord } from '../types.ts';

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const EMPTY = Buffer.alloc(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

export interface DecodeResult {
  /** Visible records at or after `from`, in offset order. */
  readonly records: LogRecord[];
  /** Next offset to fetch: past everything in the response, visible or not. */
  readonly next: number;
  /** Offsets of visible records whose value was null (tombstones; their `value` is empty). */
  readonly tombstones: Set<number>;
}

/**
 * Decodes one partition's batches. `from` is the fetch offset (a batch may start before it).
 * Tombstones (null values) come out as empty buffers; missing keys as ''.
 */
export function decodePartition(
  topic: string,
  partition: number,
  from: number,
  batches: readonly RecordsBatch[] | undefined,
  aborted: readonly AbortedTxn[],
  readCommitted: boolean,
): DecodeResult {
  const records: LogRecord[] = [];
  const tombstones = new Set<number>();
  let next = from;
  if (!batches || batches.length === 0) return { records, next, tombstones };
  const pending = readCommitted ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  let pi = 0;
  const active = new Set<bigint>();
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (pi < pending.length && pending[pi].firstOffset <= last) active.add(pending[pi++].producerId);
    const end = Number(last) + 1;
    if (batch.attributes & IS_CONTROL) {
      // Control record key: int16 version, int16 type (0 = abort, 1 = commit).
      if (readCommitted) active.delete(batch.producerId);
      if (end > next) next = end;
      continue;
    }
    if (readCommitted && batch.attributes & IS_TRANSACTIONAL && active.has(batch.producerId)) {
      if (end > next) next = end;
      continue;
    }
    for (const r of batch.records) {
      const offset = Number(batch.firstOffset) + r.offsetDelta;
      if (offset < from) continue;
      let headers = NO_HEADERS;
      if (r.headers.length > 0) {
        const h: Record<string, string> = {};
        for (const [k, v] of r.headers) if (k) h[k.toString('utf8')] = v ? v.toString('utf8') : '';
        headers = h;
      }
      if (r.value === null) tombstones.add(offset);
      records.push({
        topic,
        partition,
        offset,
        key: r.key ? r.key.toString('utf8') : '',
        value: r.value ?? EMPTY,
        timestamp: Number(batch.firstTimestamp + r.timestampDelta),
        headers,
      });
    }
    if (end > next) next = end;
  }
  return { records, next, tombstones };
}
