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
    decodeBatch(topic, partition, batch, from, records, tombstones);
    if (end > next) next = end;
  }
  return { records, next, tombstones };
}

/** Appends the records of a data batch at or after `from` to `out`, noting tombstones. */
function decodeBatch(topic: string, partition: number, batch: RecordsBatch, from: number, out: LogRecord[], tombstones: Set<number>): void {
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
    out.push({
      topic,
      partition,
      offset,
      key: r.key ? r.key.toString('utf8') : '',
      value: r.value ?? EMPTY,
      timestamp: Number(batch.firstTimestamp + r.timestampDelta),
      headers,
    });
  }
}

/** A record waiting for its transaction's marker, or one ready to be handed on. */
interface Pending {
  readonly record: LogRecord;
  readonly tombstone: boolean;
  /** Undecided until its producer's next marker; then kept (commit) or dropped (abort). */
  state: 'open' | 'commit' | 'abort';
}

/**
 * read_committed decided from the transaction markers themselves, for batches fetched
 * read_uncommitted. A transactional batch belongs to the transaction its producer's next
 * control marker ends (the broker's own rule), so this needs no list of aborted transactions and
 * stays right when many writers share one transactional id (one producer id, epoch after epoch):
 * @platformatic/kafka's read_committed filter spans an aborted range to that producer's last
 * abort marker in the response and drops the committed transactions between (schema registry).
 * Records come out in offset order, each once everything before it is decided.
 */
export class MarkerResolver {
  private readonly queue: Pending[] = [];
  private readonly open = new Map<bigint, Pending[]>();
  private head = 0;

  constructor(
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** Takes one fetched batch (at or after `from`); calls `onRecord` for every record now decided as committed. */
  add(batch: RecordsBatch, from: number, onRecord: (record: LogRecord, tombstone: boolean) => void): void {
    if (batch.attributes & IS_CONTROL) {
      // Control record key: int16 version, int16 type (0 = abort, 1 = commit).
      const commit = batch.records[0]?.key?.readInt16BE(2) === 1;
      for (const p of this.open.get(batch.producerId) ?? []) p.state = commit ? 'commit' : 'abort';
      this.open.delete(batch.producerId);
    } else {
      const records: LogRecord[] = [];
      const tombstones = new Set<number>();
      decodeBatch(this.topic, this.partition, batch, from, records, tombstones);
      const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
      for (const record of records) {
        const p: Pending = { record, tombstone: tombstones.has(record.offset), state: transactional ? 'open' : 'commit' };
        this.queue.push(p);
        if (!transactional) continue;
        const list = this.open.get(batch.producerId);
        if (list) list.push(p);
        else this.open.set(batch.producerId, [p]);
      }
    }
    while (this.head < this.queue.length && this.queue[this.head].state !== 'open') {
      const p = this.queue[this.head++];
      if (p.state === 'commit') onRecord(p.record, p.tombstone);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The offset of the first record still waiting for its marker, if any (a later read starts there). */
  get firstUndecided(): number | undefined {
    return this.head < this.queue.length ? this.queue[this.head].record.offset : undefined;
  }
}
