/**
 * The embedded Log: topics, partitions, offsets, consumer groups and state changelogs in one SQLite
 * database (better-sqlite3, WAL). Because log, state and offsets share the database, a processing
 * step's commit is one SQLite transaction: exactly-once without a broker.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { partitionFor } from '../partitioner.ts';
import type {
  AppendRecord,
  AppendResult,
  CommitBatch,
  Consumer,
  Log,
  LogRecord,
  PartitionLag,
  SubscribeOptions,
  TopicPartition,
  TopicSpec,
} from '../types.ts';
import { EmbeddedGroup } from './embedded-group.ts';
import { decodeBatch, encodeBatch, type StoredRecord } from './record-batch.ts';

export interface EmbeddedLogOptions {
  /** Folder of the database file (`eddy.db`); `:memory:` keeps everything in memory (tests). */
  readonly dataDir: string;
  /**
   * `full`: every commit is fsynced (survives power loss). `normal`: survives a crash of the
   * process (kill -9) but the last commits may be lost on power loss; faster.
   */
  readonly durability?: 'full' | 'normal';
  /** How long an event_id is remembered for de-duplication (ms). Default 24 h. */
  readonly dedupHorizonMs?: number;
  /** Records older than this are deleted once every group has consumed them (ms). Default 7 days. */
  readonly retentionMs?: number;
  /** Wall clock, replaceable in tests. */
  readonly now?: () => number;
}

interface PendingAppend {
  readonly records: readonly AppendRecord[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type BatchRow = { base: number; data: Buffer };
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Opens (or creates) the embedded log in `dataDir`. */
export function openEmbeddedLog(options: EmbeddedLogOptions): EmbeddedLog {
  return new EmbeddedLog(options);
}

export class EmbeddedLog implements Log {
  readonly kind = 'embedded' as const;
  readonly db: Database.Database;
  private readonly now: () => number;
  private readonly dedupHorizonMs: number;
  private readonly retentionMs: number;
  private readonly topics = new Map<string, { id: number; partitions: number; compacted: boolean }>();
  /** Next offset to write, per topic id and partition. */
  private readonly ends = new Map<number, number[]>();
  private readonly groups = new Map<string, EmbeddedGroup>();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly stmts;

  constructor(options: EmbeddedLogOptions) {
    this.now = options.now ?? Date.now;
    this.dedupHorizonMs = options.dedupHorizonMs ?? 24 * 3600_000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      mkdirSync(options.dataDir, { recursive: true });
      file = join(options.dataDir, 'eddy.db');
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS topics (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, partitions INTEGER NOT NULL, compacted INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS batches (topic INTEGER NOT NULL, partition INTEGER NOT NULL, base INTEGER NOT NULL,
        count INTEGER NOT NULL, last_ts INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (topic, partition, base));
      CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS offsets (grp TEXT NOT NULL, topic INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state (store TEXT NOT NULL, partition INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (store, partition, key)) WITHOUT ROWID;
    `);
    this.stmts = {
      insertTopic: this.db.prepare('INSERT OR IGNORE INTO topics (name, partitions, compacted) VALUES (?, ?, ?)'),
      topics: this.db.prepare('SELECT id, name, partitions, compacted FROM topics'),
      ends: this.db.prepare('SELECT partition, max(base + count) AS end FROM batches WHERE topic = ? GROUP BY partition'),
      insertBatch: this.db.prepare('INSERT INTO batches (topic, partition, base, count, last_ts, data) VALUES (?, ?, ?, ?, ?, ?)'),
      dedup: this.db.prepare('INSERT OR IGNORE INTO dedup (key, ts) VALUES (?, ?)'),
      // The batch holding `from`, then the ones after it.
      readFirst: this.db.prepare('SELECT base, data FROM batches WHERE topic = ? AND partition = ? AND base <= ? ORDER BY base DESC LIMIT 1'),
      readNext: this.db.prepare('SELECT base, data FROM batches WHERE topic = ? AND partition = ? AND base > ? ORDER BY base LIMIT ?'),
      committed: this.db.prepare('SELECT offset FROM offsets WHERE grp = ? AND topic = ? AND partition = ?'),
      commitOffset: this.db.prepare('INSERT INTO offsets (grp, topic, partition, offset) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET offset = excluded.offset'),
      putState: this.db.prepare('INSERT INTO state (store, partition, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      deleteState: this.db.prepare('DELETE FROM state WHERE store = ? AND partition = ? AND key = ?'),
      restore: this.db.prepare('SELECT key, value FROM state WHERE store = ? AND partition = ?'),
      pruneDedup: this.db.prepare('DELETE FROM dedup WHERE ts < ?'),
      minCommitted: this.db.prepare('SELECT min(offset) AS o FROM offsets WHERE topic = ? AND partition = ?'),
      pruneBatches: this.db.prepare('DELETE FROM batches WHERE topic = ? AND partition = ? AND base + count <= ? AND last_ts < ?'),
    };
    for (const row of this.stmts.topics.all() as { id: number; name: string; partitions: number; compacted: number }[]) {
      this.topics.set(row.name, { id: row.id, partitions: row.partitions, compacted: row.compacted === 1 });
      this.loadEnds(row.id, row.partitions);
    }
  }

  private loadEnds(topicId: number, partitions: number): void {
    const ends = new Array<number>(partitions).fill(0);
    for (const row of this.stmts.ends.all(topicId) as { partition: number; end: number }[]) ends[row.partition] = row.end;
    this.ends.set(topicId, ends);
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue;
      this.stmts.insertTopic.run(spec.name, spec.partitions, spec.compacted ? 1 : 0);
    }
    for (const row of this.stmts.topics.all() as { id: number; name: string; partitions: number; compacted: number }[]) {
      if (this.topics.has(row.name)) continue;
      this.topics.set(row.name, { id: row.id, partitions: row.partitions, compacted: row.compacted === 1 });
      this.loadEnds(row.id, row.partitions);
    }
  }

  partitionsOf(topic: string): number {
    return this.topic(topic).partitions;
  }

  private topic(name: string) {
    const t = this.topics.get(name);
    if (t === undefined) throw new Error(`unknown topic ${name}`);
    return t;
  }

  /** Appends are coalesced per tick into one transaction (group commit): one fsync for many requests. */
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const now = this.now();
    try {
      const results = this.db.transaction(() => this.writeRecords(batch.map((p) => p.records), now))();
      batch.forEach((p, i) => p.resolve(results[i]));
      this.wake();
    } catch (error) {
      // The transaction rolled back: end offsets may have advanced in memory; reload them.
      for (const t of this.topics.values()) this.loadEnds(t.id, t.partitions);
      for (const p of batch) p.reject(error);
    }
  }

  /**
   * Writes several appends' records inside an open transaction: one batch row per partition.
   * Returns each append's duplicate flags.
   */
  private writeRecords(appends: readonly (readonly AppendRecord[])[], now: number): AppendResult[] {
    const byPartition = new Map<string, { topicId: number; partition: number; records: StoredRecord[]; lastTs: number }>();
    const results = appends.map((records) => {
      const duplicate = new Array<boolean>(records.length).fill(false);
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        if (r.dedupKey !== undefined && this.stmts.dedup.run(r.dedupKey, now).changes === 0) {
          duplicate[i] = true;
          continue;
        }
        const t = this.topic(r.topic);
        const partition = partitionFor(r.key, t.partitions);
        const slot = `${t.id}/${partition}`;
        let group = byPartition.get(slot);
        if (group === undefined) {
          group = { topicId: t.id, partition, records: [], lastTs: 0 };
          byPartition.set(slot, group);
        }
        const timestamp = r.timestamp ?? now;
        group.records.push({ key: r.key, value: r.value, timestamp, headers: r.headers ?? NO_HEADERS });
        if (timestamp > group.lastTs) group.lastTs = timestamp;
      }
      return { duplicate };
    });
    for (const g of byPartition.values()) {
      const ends = this.ends.get(g.topicId)!;
      const base = ends[g.partition];
      this.stmts.insertBatch.run(g.topicId, g.partition, base, g.records.length, g.lastTs, encodeBatch(g.records));
      ends[g.partition] = base + g.records.length;
    }
    return results;
  }

  async endOffsets(topic: string): Promise<number[]> {
    return [...this.ends.get(this.topic(topic).id)!];
  }

  /** Sync variant for callers on the hot path (lag checks on every ingest). */
  endOffsetsSync(topic: string): readonly number[] {
    return this.ends.get(this.topic(topic).id)!;
  }

  async subscribe(options: SubscribeOptions): Promise<Consumer> {
    let group = this.groups.get(options.group);
    if (group === undefined) {
      group = new EmbeddedGroup(options.group, this);
      this.groups.set(options.group, group);
    }
    return group.join(options);
  }

  // ---- used by EmbeddedGroup ----

  /** @internal */
  readPartition(topic: string, partition: number, from: number, limit: number): LogRecord[] {
    const t = this.topic(topic);
    if (from >= this.ends.get(t.id)![partition]) return [];
    const out: LogRecord[] = [];
    const take = (row: BatchRow) => {
      const records = decodeBatch(row.data);
      for (let i = Math.max(0, from - row.base); i < records.length && out.length < limit; i++) {
        const r = records[i];
        out.push({ topic, partition, offset: row.base + i, key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers });
      }
    };
    const first = this.stmts.readFirst.get(t.id, partition, from) as BatchRow | undefined;
    let last = from - 1;
    if (first !== undefined) {
      take(first);
      last = first.base;
    }
    while (out.length < limit) {
      const rows = this.stmts.readNext.all(t.id, partition, last, 16) as BatchRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (out.length >= limit) break;
        take(row);
        last = row.base;
      }
    }
    return out;
  }

  /** @internal */
  hasData(topic: string, partition: number, from: number): boolean {
    return from < this.ends.get(this.topic(topic).id)![partition];
  }

  /** @internal */
  committedOffset(group: string, tp: TopicPartition): number {
    const row = this.stmts.committed.get(group, this.topic(tp.topic).id, tp.partition) as { offset: number } | undefined;
    return row?.offset ?? 0;
  }

  /** @internal One transaction: outputs, state, offsets. */
  commitBatch(group: string, batch: CommitBatch): void {
    const now = this.now();
    this.db.transaction(() => {
      if (batch.outputs.length > 0) this.writeRecords([batch.outputs], now);
      for (const w of batch.state) {
        if (w.value === null) this.stmts.deleteState.run(w.store, w.partition, w.key);
        else this.stmts.putState.run(w.store, w.partition, w.key, w.value);
      }
      for (const o of batch.offsets) this.stmts.commitOffset.run(group, this.topic(o.topic).id, o.partition, o.offset);
    })();
    if (batch.outputs.length > 0) this.wake();
  }

  /** @internal */
  restoreState(store: string, partition: number, apply: (key: string, value: Buffer) => void): void {
    for (const row of this.stmts.restore.iterate(store, partition) as Iterable<{ key: string; value: Buffer }>) apply(row.key, row.value);
  }

  /** @internal Lag of a group member's partitions. */
  lagOf(group: string, partitions: readonly TopicPartition[], positions: (tp: TopicPartition) => number): PartitionLag[] {
    return partitions.map((tp) => {
      const end = this.ends.get(this.topic(tp.topic).id)![tp.partition];
      const offset = positions(tp);
      return { ...tp, offset, end, lag: Math.max(0, end - offset) };
    });
  }

  /** @internal Resolves on the next append or commit with outputs (or after `ms`). */
  waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Deletes expired de-duplication keys, and batches past retention that every group has consumed. */
  maintain(): { dedupPruned: number; recordsPruned: number } {
    const now = this.now();
    const dedupPruned = this.stmts.pruneDedup.run(now - this.dedupHorizonMs).changes;
    let recordsPruned = 0;
    for (const t of this.topics.values()) {
      if (t.compacted) continue; // compacted topics keep every key's newest record (compaction below)
      for (let p = 0; p < t.partitions; p++) {
        const row = this.stmts.minCommitted.get(t.id, p) as { o: number | null };
        if (row.o === null) continue;
        recordsPruned += this.stmts.pruneBatches.run(t.id, p, row.o, now - this.retentionMs).changes;
      }
    }
    return { dedupPruned, recordsPruned };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const g of this.groups.values()) await g.closeAll();
    this.wake();
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
