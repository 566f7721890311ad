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

type Row = { offset: number; key: string; value: Buffer; ts: number; headers: string | null };

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
      CREATE TABLE IF NOT EXISTS records (topic INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        key TEXT NOT NULL, value BLOB NOT NULL, ts INTEGER NOT NULL, headers TEXT, PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS offsets (grp TEXT NOT NULL, topic INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state (store TEXT NOT NULL, partition INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (store, partition, key)) WITHOUT ROWID;
    `);
    this.stmts = {
      insertTopic: this.db.prepare('INSERT OR IGNORE INTO topics (name, partitions, compacted) VALUES (?, ?, ?)'),
      topics: this.db.prepare('SELECT id, name, partitions, compacted FROM topics'),
      ends: this.db.prepare('SELECT partition, max(offset) AS last FROM records WHERE topic = ? GROUP BY partition'),
      insertRecord: this.db.prepare('INSERT INTO records (topic, partition, offset, key, value, ts, headers) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      dedup: this.db.prepare('INSERT OR IGNORE INTO dedup (key, ts) VALUES (?, ?)'),
      read: this.db.prepare('SELECT offset, key, value, ts, headers FROM records WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?'),
      committed: this.db.prepare('SELECT offset FROM offsets WHERE grp = ? AND topic = ? AND partition = ?'),
      commitOffset: this.db.prepare('INSERT INTO offsets (grp, topic, partition, offset) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET offset = excluded.offset'),
      putState: this.db.prepare('INSERT INTO state (store, partition, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      deleteState: this.db.prepare('DELETE FROM state WHERE store = ? AND partition = ? AND key = ?'),
      restore: this.db.prepare('SELECT key, value FROM state WHERE store = ? AND partition = ?'),
      pruneDedup: this.db.prepare('DELETE FROM dedup WHERE ts < ?'),
      minCommitted: this.db.prepare('SELECT min(offset) AS o FROM offsets WHERE topic = ? AND partition = ?'),
      pruneRecords: this.db.prepare('DELETE FROM records WHERE topic = ? AND partition = ? AND offset < ? AND ts < ?'),
    };
    for (const row of this.stmts.topics.all() as { id: number; name: string; partitions: number; compacted: number }[]) {
      this.topics.set(row.name, { id: row.id, partitions: row.partitions, compacted: row.compacted === 1 });
      this.loadEnds(row.id, row.partitions);
    }
  }

  private loadEnds(topicId: number, partitions: number): void {
    const ends = new Array<number>(partitions).fill(0);
    for (const row of this.stmts.ends.all(topicId) as { partition: number; last: number }[]) ends[row.partition] = row.last + 1;
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
      const results = this.db.transaction(() => batch.map((p) => this.writeRecords(p.records, now)))();
      batch.forEach((p, i) => p.resolve(results[i]));
      this.wake();
    } catch (error) {
      // The transaction rolled back: end offsets may have advanced in memory; reload them.
      for (const t of this.topics.values()) this.loadEnds(t.id, t.partitions);
      for (const p of batch) p.reject(error);
    }
  }

  /** Writes records inside an open transaction. */
  private writeRecords(records: readonly AppendRecord[], now: number): AppendResult {
    const duplicate = new Array<boolean>(records.length).fill(false);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (r.dedupKey !== undefined && this.stmts.dedup.run(r.dedupKey, now).changes === 0) {
        duplicate[i] = true;
        continue;
      }
      const t = this.topic(r.topic);
      const partition = partitionFor(r.key, t.partitions);
      const ends = this.ends.get(t.id)!;
      const offset = ends[partition]++;
      this.stmts.insertRecord.run(t.id, partition, offset, r.key, r.value, r.timestamp ?? now, r.headers ? JSON.stringify(r.headers) : null);
    }
    return { duplicate };
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
    const rows = this.stmts.read.all(t.id, partition, from, limit) as Row[];
    return rows.map((row) => ({
      topic,
      partition,
      offset: row.offset,
      key: row.key,
      value: row.value,
      timestamp: row.ts,
      headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
    }));
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
      if (batch.outputs.length > 0) this.writeRecords(batch.outputs, now);
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

  /** Deletes expired de-duplication keys and consumed records past retention. */
  maintain(): { dedupPruned: number; recordsPruned: number } {
    const now = this.now();
    const dedupPruned = this.stmts.pruneDedup.run(now - this.dedupHorizonMs).changes;
    let recordsPruned = 0;
    for (const t of this.topics.values()) {
      if (t.compacted) continue; // compacted topics keep every key's newest record (compaction below)
      for (let p = 0; p < t.partitions; p++) {
        const row = this.stmts.minCommitted.get(t.id, p) as { o: number | null };
        if (row.o === null) continue;
        recordsPruned += this.stmts.pruneRecords.run(t.id, p, row.o, now - this.retentionMs).changes;
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
