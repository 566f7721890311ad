/**
 * Turning fetched record batches into LogRecords, read_committed decided here rather than by
 * @platformatic/kafka, whose own read_committed filter (1.35 and 2.x) is wrong in ways a reader
 * would see: it spans a producer's aborted range up to that producer's *last* abort marker in the
 * response, so the committed transactions between two aborts of one producer id are dropped (the
 * schema registry, whose writers share one transactional id, meets that all the time), and it keeps
 * an aborted transaction whose marker is not in the same response.
 *
 * Two readers:
 * - `MarkerResolver`, for batches fetched read_uncommitted (changelog restore, the registry's
 *   topic): a transactional batch belongs to the transaction its producer's next control marker
 *   ends, commit or abort (the broker's own rule), so no list of aborted transactions is needed and
 *   records come out in offset order once everything before them is decided.
 * - `decodePartition`, for the group member's read_committed fetches: Kafka's Java Fetcher
 *   algorithm over the broker's list of aborted transactions, applied to what the client's filter
 *   left (which still drops committed records in the case above; the member's producer ids change
 *   epoch only when it is fenced).
 */
import type { RecordsBatch } from '@platformatic/kafka';
import type { LogRecord } from '../types.ts';

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const EMPTY = Buffer.alloc(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A decoded record and whether its value was null (a tombstone; its `value` is then empty). */
export type OnRecord = (record: LogRecord, tombstone: boolean) => void;

/** The records of one data batch at or after `from`, with the offsets of its null values. */
function decodeBatch(topic: string, partition: number, batch: RecordsBatch, from: number): { records: LogRecord[]; tombstones: Set<number> | undefined } {
  const records: LogRecord[] = [];
  let tombstones: Set<number> | undefined;
  for (const r of batch.records) {
    const offset = Number(batch.firstOffset) + r.offsetDelta;
    if (offset < from) continue;
    let headers = NO_HEADERS;
    if (r.headers.length > 0) {
      const h: Record<string, string> = {};
      for (const [k, v] of r.headers) if (k) h[k.toString('utf8')] = v ? v.toString('utf8') : '';
      headers = h;
    }
    if (r.value === null) (tombstones ??= new Set()).add(offset);
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
  return { records, tombstones };
}

/** One data batch's records waiting for their transaction's marker. */
interface HeldBatch {
  readonly records: LogRecord[];
  readonly tombstones: Set<number> | undefined;
  state: 'open' | 'commit' | 'abort';
}

/**
 * read_committed for one partition from batches fetched read_uncommitted, in offset order (see the
 * file's comment). Feed it every batch as fetched; it calls `onRecord` for each record once its
 * transaction committed and everything before it is decided.
 */
export class MarkerResolver {
  private readonly queue: HeldBatch[] = [];
  private head = 0;
  private readonly open = new Map<bigint, HeldBatch[]>();
  private heldRecords = 0;

  constructor(
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** Takes one fetched batch (its records before `from` are skipped). */
  add(batch: RecordsBatch, from: number, onRecord: OnRecord): void {
    if (batch.attributes & IS_CONTROL) {
      // Control record key: int16 version, int16 type (0 = abort, 1 = commit).
      const commit = batch.records[0]?.key?.readInt16BE(2) === 1;
      const held = this.open.get(batch.producerId);
      if (held === undefined) return;
      for (const h of held) h.state = commit ? 'commit' : 'abort';
      this.open.delete(batch.producerId);
      this.drain(onRecord);
      return;
    }
    const { records, tombstones } = decodeBatch(this.topic, this.partition, batch, from);
    if (records.length === 0) return;
    const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
    // Nothing undecided before it: a plain batch goes straight on (the common case).
    if (!transactional && this.head === this.queue.length) {
      for (const r of records) onRecord(r, tombstones?.has(r.offset) === true);
      return;
    }
    const held: HeldBatch = { records, tombstones, state: transactional ? 'open' : 'commit' };
    this.queue.push(held);
    this.heldRecords += records.length;
    if (!transactional) return;
    const list = this.open.get(batch.producerId);
    if (list) list.push(held);
    else this.open.set(batch.producerId, [held]);
  }

  /**
   * Takes one fetch response's batches of this partition, up to (not including) the first batch at
   * or past `end`, and answers the offset to fetch from next (past every batch it took) and whether
   * it reached `end`.
   */
  addAll(batches: readonly RecordsBatch[] | undefined, from: number, onRecord: OnRecord, end = Infinity): { next: number; reachedEnd: boolean } {
    let next = from;
    for (const batch of batches ?? []) {
      if (Number(batch.firstOffset) >= end) return { next, reachedEnd: true };
      this.add(batch, from, onRecord);
      next = Math.max(next, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
    }
    return { next, reachedEnd: false };
  }

  /** The offset of the first record still waiting for its marker, if any: where a new read must start. */
  get firstUndecided(): number | undefined {
    return this.head < this.queue.length ? this.queue[this.head].records[0].offset : undefined;
  }

  /** Records held back behind undecided transactions. */
  get held(): number {
    return this.heldRecords;
  }

  private drain(onRecord: OnRecord): void {
    const { queue } = this;
    while (this.head < queue.length && queue[this.head].state !== 'open') {
      const h = queue[this.head++];
      this.heldRecords -= h.records.length;
      if (h.state === 'commit') for (const r of h.records) onRecord(r, h.tombstones?.has(r.offset) === true);
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

export interface DecodeResult {
  /** Visible records at or after `from`, in offset order. */
  readonly records: LogRecord[];
  /** Next offset to fetch: past everything in the response, visible or not. */
  readonly next: number;
}

/**
 * Decodes one partition's batches of a read_committed fetch. `from` is the fetch offset (a batch
 * may start before it). An aborted transaction listed by the broker becomes active at its first
 * offset and ends at its producer's abort marker; transactional batches of an active producer are
 * skipped.
 */
export function decodePartition(topic: string, partition: number, from: number, batches: readonly RecordsBatch[] | undefined, aborted: readonly AbortedTxn[]): DecodeResult {
  const records: LogRecord[] = [];
  let next = from;
  if (!batches || batches.length === 0) return { records, next };
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let pi = 0;
  const active = new Set<bigint>();
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (pi < pending.length && pending[pi].firstOffset <= last) active.add(pending[pi++].producerId);
    const end = Number(last) + 1;
    if (end > next) next = end;
    if (batch.attributes & IS_CONTROL) {
      active.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && active.has(batch.producerId)) continue;
    for (const r of decodeBatch(topic, partition, batch, from).records) records.push(r);
  }
  return { records, next };
}
