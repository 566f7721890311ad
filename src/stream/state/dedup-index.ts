/**
 * Event-id de-duplication for one partition, bounded in time and in count: remembers every event id
 * it accepted whose event time is within `horizonMs` of the newest one it saw, up to `maxIds`
 * (whichever is smaller), and answers whether an id is one of them. Producers that retry send the
 * same event again within seconds, so a horizon bounds memory without letting retries through.
 *
 * Ids are kept in fixed-size chunks in acceptance order; eviction drops whole chunks from the old end
 * (by age: a chunk whose newest event is older than the horizon; by count: past `maxIds`), and only
 * the chunk being filled and the dropped ones change, so a commit writes one chunk and a few
 * tombstones, never the whole index. Chunk boundaries follow the order of ids, not the commits,
 * so a replay after a crash builds exactly the index a run without the crash built.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import type { Codec } from '../state-store.ts';

/** Defaults: an hour of event time, at most 100 000 ids per partition. */
export const DEFAULT_DEDUP = { horizonMs: 3_600_000, maxIds: 100_000, chunkIds: 512 } as const;

export interface DedupConfig {
  /** Ids are remembered at least this long in event time (unless `maxIds` is reached first). */
  readonly horizonMs: number;
  /** At most this many ids per partition (plus one partly filled chunk). */
  readonly maxIds: number;
  /** Ids per committed chunk. */
  readonly chunkIds: number;
}

/** One committed chunk: its sequence number, its ids in acceptance order, their newest event time. */
export interface DedupChunk {
  readonly seq: number;
  readonly ids: string[];
  maxTs: number;
}

/** The store key of a chunk (partition first, so keys of partitions never collide). */
export function dedupKey(partition: number, seq: number): string {
  return `${partition}:${seq}`;
}

export class DedupIndex {
  private readonly ids = new Set<string>();
  /** Oldest first; the last one is being filled. */
  private chunks: DedupChunk[] = [];
  private nextSeq = 0;
  private newestTs = Number.NEGATIVE_INFINITY;
  private readonly changed = new Set<DedupChunk>();
  private readonly dropped: number[] = [];

  constructor(
    readonly partition: number,
    readonly config: DedupConfig = DEFAULT_DEDUP,
  ) {
    for (const k of ['horizonMs', 'maxIds', 'chunkIds'] as const) {
      if (!(config[k] > 0) || !Number.isSafeInteger(config[k])) throw new RangeError(`dedup ${k} must be a positive integer (got ${config[k]})`);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  /** Whether `id` was accepted before (and is still remembered). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * Remembers an accepted event's id (the caller checked `has`), then evicts what fell out of the
   * horizon or past the count cap.
   */
  add(id: string, ts: number): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.ids.length >= this.config.chunkIds) {
      last = { seq: this.nextSeq++, ids: [], maxTs: Number.NEGATIVE_INFINITY };
      this.chunks.push(last);
    }
    last.ids.push(id);
    if (ts > last.maxTs) last.maxTs = ts;
    if (ts > this.newestTs) this.newestTs = ts;
    this.ids.add(id);
    this.changed.add(last);
    this.evict();
  }

  private evict(): void {
    const { horizonMs, maxIds } = this.config;
    // Never the chunk being filled: it holds the newest ids.
    while (this.chunks.length > 1) {
      const oldest = this.chunks[0];
      const tooOld = oldest.maxTs < this.newestTs - horizonMs;
      const tooMany = this.ids.size - oldest.ids.length >= maxIds;
      if (!tooOld && !tooMany) break;
      this.chunks.shift();
      for (const id of oldest.ids) this.ids.delete(id);
      this.changed.delete(oldest);
      this.dropped.push(oldest.seq);
    }
  }

  /** Chunks changed and chunk numbers dropped since the last call: what the next commit writes. */
  takeChanges(): { put: DedupChunk[]; deleted: number[] } {
    const put = [...this.changed];
    const deleted = this.dropped.splice(0);
    this.changed.clear();
    return { put, deleted };
  }

  /** The chunks held, oldest first (shared with the store). */
  chunkList(): readonly DedupChunk[] {
    return this.chunks;
  }

  /** Replaces the content with restored chunks (any order). */
  load(chunks: Iterable<DedupChunk>): void {
    this.chunks = [...chunks].sort((a, b) => a.seq - b.seq);
    this.ids.clear();
    this.changed.clear();
    this.dropped.length = 0;
    this.newestTs = Number.NEGATIVE_INFINITY;
    for (const c of this.chunks) {
      for (const id of c.ids) this.ids.add(id);
      if (c.maxTs > this.newestTs) this.newestTs = c.maxTs;
    }
    this.nextSeq = this.chunks.length === 0 ? 0 : this.chunks[this.chunks.length - 1].seq + 1;
  }

  /** Approximate bytes held: ids as UTF-16 plus a set entry and a chunk slot each. */
  sizeBytes(): number {
    let bytes = 0;
    for (const c of this.chunks) for (const id of c.ids) bytes += 2 * id.length + 40;
    return bytes;
  }
}

/** Codec of a chunk: seq, newest event time, count, ids. */
export const dedupChunkCodec: Codec<DedupChunk> = {
  encode(chunk) {
    const w = new ByteWriter(24 + chunk.ids.length * 16);
    w.uint(chunk.seq).f64(chunk.maxTs).uint(chunk.ids.length);
    for (const id of chunk.ids) w.string(id);
    return w.finish();
  },
  decode(bytes) {
    const r = new ByteReader(bytes);
    const seq = r.uint();
    const maxTs = r.f64();
    const n = r.uint();
    const ids = new Array<string>(n);
    for (let i = 0; i < n; i++) ids[i] = r.string();
    r.end();
    return { seq, ids, maxTs };
  },
};
