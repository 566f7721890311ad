/**
 * Consumer groups of the embedded log. Members live in one process (one process owns a data
 * directory); partitions are spread over members round-robin and moved when members join or leave,
 * with the same assigned/revoked callbacks a Kafka member gets.
 */
import type { CommitBatch, Consumer, LogRecord, PartitionLag, SubscribeOptions, TopicPartition } from '../types.ts';
import type { EmbeddedLog } from './embedded-log.ts';

const tpKey = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

export class EmbeddedGroup {
  private readonly members: EmbeddedMember[] = [];

  constructor(
    readonly name: string,
    private readonly log: EmbeddedLog,
  ) {}

  async join(options: SubscribeOptions): Promise<Consumer> {
    const member = new EmbeddedMember(this, this.log, options);
    this.members.push(member);
    await this.rebalance();
    return member;
  }

  async leave(member: EmbeddedMember): Promise<void> {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    await member.setAssignment([]);
    await this.rebalance();
  }

  async closeAll(): Promise<void> {
    for (const m of [...this.members]) await m.close();
  }

  private async rebalance(): Promise<void> {
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    const all: TopicPartition[] = [];
    for (const topic of topics) {
      for (let partition = 0; partition < this.log.partitionsOf(topic); partition++) all.push({ topic, partition });
    }
    const next = new Map<EmbeddedMember, TopicPartition[]>(this.members.map((m) => [m, []]));
    // Partition p of every topic goes to the same member: co-partitioned topics stay together.
    all.forEach((tp) => {
      const eligible = this.members.filter((m) => m.topics.includes(tp.topic));
      if (eligible.length > 0) next.get(eligible[tp.partition % eligible.length])!.push(tp);
    });
    // Revoke first (so state is flushed), then assign, as a cooperative protocol would.
    for (const [m, tps] of next) await m.revokeExcept(tps);
    for (const [m, tps] of next) await m.setAssignment(tps);
  }
}

export class EmbeddedMember implements Consumer {
  readonly topics: readonly string[];
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private closed = false;
  private cursor = 0;

  constructor(
    private readonly group: EmbeddedGroup,
    private readonly log: EmbeddedLog,
    private readonly options: SubscribeOptions,
  ) {
    this.topics = options.topics;
  }

  assignment(): readonly TopicPartition[] {
    return this.assigned;
  }

  /** @internal */
  async revokeExcept(keep: readonly TopicPartition[]): Promise<void> {
    const keepKeys = new Set(keep.map(tpKey));
    const revoked = this.assigned.filter((tp) => !keepKeys.has(tpKey(tp)));
    if (revoked.length === 0) return;
    await this.options.listener?.onRevoked?.(revoked);
    this.assigned = this.assigned.filter((tp) => keepKeys.has(tpKey(tp)));
    for (const tp of revoked) this.positions.delete(tpKey(tp));
  }

  /** @internal */
  async setAssignment(tps: readonly TopicPartition[]): Promise<void> {
    const have = new Set(this.assigned.map(tpKey));
    const added = tps.filter((tp) => !have.has(tpKey(tp)));
    if (tps.length < this.assigned.length) await this.revokeExcept(tps);
    for (const tp of added) this.positions.set(tpKey(tp), this.log.committedOffset(this.group.name, tp));
    this.assigned = [...tps];
    if (added.length > 0) await this.options.listener?.onAssigned?.(added, this);
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<LogRecord[]> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      if (this.closed || this.log.isClosed) return [];
      const records = this.readAvailable(maxRecords);
      if (records.length > 0) return records;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.log.waitForData(left);
    }
  }

  /** Reads round-robin over partitions, starting at a rotating cursor so that none starves. */
  private readAvailable(maxRecords: number): LogRecord[] {
    const out: LogRecord[] = [];
    const n = this.assigned.length;
    if (n === 0) return out;
    const perPartition = Math.max(64, Math.ceil(maxRecords / n));
    for (let i = 0; i < n && out.length < maxRecords; i++) {
      const tp = this.assigned[(this.cursor + i) % n];
      const key = tpKey(tp);
      const from = this.positions.get(key)!;
      if (!this.log.hasData(tp.topic, tp.partition, from)) continue;
      const rows = this.log.readPartition(tp.topic, tp.partition, from, Math.min(perPartition, maxRecords - out.length));
      if (rows.length > 0) {
        this.positions.set(key, rows[rows.length - 1].offset + 1);
        for (const r of rows) out.push(r);
      }
    }
    this.cursor = (this.cursor + 1) % n;
    return out;
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.log.commitBatch(this.group.name, batch);
  }

  async restore(store: string, partitions: readonly number[], apply: (key: string, value: Buffer) => void): Promise<void> {
    for (const p of partitions) this.log.restoreState(store, p, apply);
  }

  async lag(): Promise<PartitionLag[]> {
    return this.log.lagOf(this.group.name, this.assigned, (tp) => this.log.committedOffset(this.group.name, tp));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.group.leave(this);
  }
}
