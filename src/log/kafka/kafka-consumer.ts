/**
 * A member of a Kafka consumer group with exactly-once consume-transform-produce commits.
 *
 * Fetching is an own loop over the client's raw `fetch` (read_committed) rather than its
 * MessagesStream, whose positions do not follow a rebalance as exactly-once needs. Records wait in
 * a bounded buffer; fetching pauses while it is full (backpressure).
 * Rebalances are eager: each new generation revokes everything (`onRevoked`), rewinds to the
 * committed offsets (require_stable) and assigns again (`onAssigned` restores state). Work polled
 * before a rebalance cannot be committed after it (KafkaRebalanceError; the broker enforces the
 * same through the generation in TxnOffsetCommit, KIP-447).
 * Commit = one transaction: outputs + changelog records + offsets. Transactional id
 * `<group>-<memberId>`, initialised at subscribe, so a restarted member fences its zombie.
 * @platformatic/kafka 1.35 looks a consumer's group coordinator up once: after repeated failures
 * to reach it (heartbeats, rejoins, commits) the member replaces its client consumer and producer
 * and joins the group again as a new member (`rejoinWithNewClients`).
 */
import { randomUUID } from 'node:crypto';
import { Base, Consumer as ClientConsumer, Producer, type Message, type MessageToProduce } from '@platformatic/kafka';
import { throttled, type Warn } from '../../ops/warnings.ts';
import type { CommitBatch, Consumer, LogRecord, PartitionLag, SubscribeOptions, TopicPartition } from '../types.ts';
import { messageBytes, toMessage } from './append-queue.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { committedOffsets, leaveGroupAs } from './group-offsets.ts';
import type { KafkaLog } from './kafka-log.ts';
import { restoreChangelog } from './changelog.ts';
import { KafkaCommitError, KafkaRebalanceError, baseClientOptions, changelogTopic, hasKafkaError as hasId } from './options.ts';
import { decodePartition } from './records.ts';
import { Signal } from './signal.ts';

const READ_COMMITTED = 1;
const EARLIEST = -2n;
const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Bytes per send of a commit: below the broker's default max.message.bytes with room for batch overhead. */
const MAX_SEND_BYTES = 768 * 1024;
/** Consecutive coordinator/network failures of the group member after which its clients are replaced. */
const COORDINATOR_FAILURES = 3;

interface JoinPayload {
  generationId?: number;
  memberId: string;
  assignments?: { topic: string; partitions: number[] }[];
}

export class KafkaMember implements Consumer {
  private client: ClientConsumer;
  private producer: Producer;
  private readonly group: string;
  readonly transactionalId: string;
  private assigned: TopicPartition[] = [];
  private generation = { generationId: -1, memberId: '' };
  /** Bumped on every assignment change; records and commits of an older epoch are stale. */
  private epoch = 0;
  private assigning = 0;
  private readonly positions = new Map<string, number>();
  /** Offset after the last visible record buffered, per partition. */
  private readonly dataEnd = new Map<string, number>();
  private buffer: LogRecord[] = [];
  private deliveredEpoch: number | undefined;
  private rebalancing: Promise<void> = Promise.resolve();
  private committing: Promise<void> | undefined;
  private readonly changelogs = new Map<string, Promise<void>>();
  private readonly signal = new Signal();
  private fetchLoop: Promise<void> | undefined;
  private closed = false;
  private fatal: unknown;
  /** Consecutive failures to reach the group coordinator (heartbeats, rejoins, commits). */
  private coordinatorFailures = 0;
  private replacing = false;
  /** A rejoin this member started itself (see ensureMembership). */
  private rejoining: Promise<void> | undefined;
  /** Joins seen (group:join events of the current client). */
  private joins = 0;
  /** How often the clients were replaced after losing the group coordinator. */
  clientReplacements = 0;
  /** Last error reported by the client in the background (heartbeats, rejoins). */
  lastError: unknown;
  /** KafkaLogOptions.warn, each kind of trouble at most once per 10 s. */
  private readonly warn: Warn | undefined;

  constructor(
    private readonly log: KafkaLog,
    private readonly options: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.group = options.group;
    this.transactionalId = `${options.group}-${options.memberId ?? randomUUID()}`;
    this.warn = throttled(log.options.warn);
    this.client = this.newClient();
    this.producer = this.newProducer();
  }

  private newClient(): ClientConsumer {
    const o = this.log.options;
    const options = this.options;
    const client = new ClientConsumer({
      ...baseClientOptions(o, `consumer-${options.memberId ?? 'member'}`),
      groupId: options.group,
      autocommit: false,
      isolationLevel: READ_COMMITTED,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(o.sessionTimeoutMs, 60_000),
      maxWaitTime: o.fetchMaxWaitMs,
      maxBytes: o.fetchMaxBytes,
      partitionAssigner: coPartitionedAssigner,
    });
    // Events of a client already replaced are ignored.
    client.on('error', (e: unknown) => {
      if (client !== this.client) return;
      this.trouble('client error (a failed rejoin?)', e);
      this.coordinatorTrouble(e);
      // The client gives up a failed rejoin without heartbeating again: the member is out.
      this.ensureMembership();
    });
    client.on('consumer:heartbeat:error', (p: { error?: unknown }) => {
      if (client !== this.client) return;
      this.trouble('heartbeat failed', p.error);
      this.coordinatorTrouble(p.error);
    });
    client.on('consumer:heartbeat:end', () => {
      if (client === this.client) this.coordinatorFailures = 0;
    });
    client.on('consumer:group:join', (p: JoinPayload) => {
      if (client !== this.client) return;
      this.joins++;
      this.onJoin(p);
    });
    return client;
  }

  /** Counts a failure to reach the group coordinator; replaces the clients after a few in a row. */
  private coordinatorTrouble(error: unknown): void {
    if (this.closed || this.replacing || this.fetchLoop === undefined || !isTransient(error)) return;
    if (++this.coordinatorFailures < COORDINATOR_FAILURES) return;
    this.rejoinWithNewClients();
  }

  /**
   * The client consumer keeps the group coordinator it found first, even after that broker died:
   * close it (and its transactional producer) and join again with new clients, which look the
   * coordinator up again. As on any new assignment, everything polled is stale (a commit of it
   * fails with KafkaRebalanceError) and the join rewinds to the committed offsets and restores.
   * The old member is removed from the group through the new coordinator, so that the rebalance
   * need not wait for its session to expire.
   */
  private rejoinWithNewClients(): void {
    this.replacing = true;
    this.coordinatorFailures = 0;
    this.staleEverything();
    this.rebalancing = this.rebalancing
      .then(async () => {
        await this.committing?.catch(() => undefined);
        if (this.closed) return;
        await this.revokeAll();
        if (this.closed) return;
        this.clientReplacements++;
        const oldClient = this.client;
        const oldMemberId = oldClient.memberId;
        this.client = this.newClient();
        this.generation = { generationId: -1, memberId: '' };
        // A new producer (also fences the old one's open transaction).
        await this.renewProducer();
        closeStale(oldClient);
        this.client.topics.trackAll(...this.options.topics);
        const deadline = Date.now() + 120_000;
        for (let attempt = 1; ; attempt++) {
          try {
            if (oldMemberId) await leaveGroupAs(this.client, this.group, oldMemberId, this.options.topics).catch(() => undefined);
            await this.client.joinGroup({});
            return;
          } catch (error) {
            if (this.closed || Date.now() > deadline) throw error;
            this.trouble('rejoin with new clients failed; retrying', error);
            this.client.clearMetadata();
            await sleep(Math.min(500 * attempt, 3000));
          }
        }
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.replacing = false;
        this.assigning--;
        this.signal.wake();
      });
  }

  /**
   * The member's generation is no longer the group's (a commit fenced by ILLEGAL_GENERATION, a
   * rejoin the client gave up): unless a join follows by itself within a few heartbeats (the
   * client rejoins when a heartbeat learns of a rebalance), join again, retrying; after repeated
   * failures, with new clients. Without this a member whose rejoin failed stays out of the group
   * for good, its every commit fenced.
   */
  private ensureMembership(): void {
    if (this.closed || this.replacing || this.rejoining !== undefined || this.fetchLoop === undefined) return;
    const client = this.client;
    const joinsBefore = this.joins;
    this.rejoining = (async () => {
      await sleep(3 * this.log.options.heartbeatIntervalMs);
      for (let attempt = 1; this.joins === joinsBefore && client === this.client && !this.closed && !this.replacing; attempt++) {
        try {
          await client.joinGroup({});
          return;
        } catch (error) {
          if (client !== this.client || this.closed) return;
          this.trouble('rejoin failed; retrying', error);
          if (attempt >= COORDINATOR_FAILURES) return this.rejoinWithNewClients();
          client.clearMetadata();
          await sleep(500 * attempt);
        }
      }
    })().finally(() => {
      this.rejoining = undefined;
    });
  }

  /** Remembers a background error and tells it (once per kind per 10 s). */
  private trouble(message: string, error: unknown): void {
    this.lastError = error;
    if (!this.closed) this.warn?.(`group ${this.group}: ${message}`, error);
  }

  /** From here on, poll and commit throw this error: the member has stopped. */
  private fail(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    if (!this.closed) this.log.options.warn?.(`group ${this.group}: member stopped`, error);
  }

  private newProducer(): Producer {
    const o = this.log.options;
    const producer = new Producer({
      ...baseClientOptions(o, `txn-${this.options.memberId ?? 'member'}`),
      idempotent: true,
      transactionalId: this.transactionalId,
      compression: o.compression,
    });
    producer.on('error', (e: unknown) => this.trouble('transactional producer error', e));
    return producer;
  }

  /**
   * InitProducerId for the transactional id: bumps the epoch (fencing a previous incarnation and
   * aborting its open transaction) and restarts sequence numbers.
   * producerId/epoch -1: "a new producer" (KIP-360). The client would send 0/0 by default, which
   * the broker answers with PRODUCER_FENCED once the transactional id has any history.
   */
  private async initTransactions(): Promise<void> {
    const txn = await this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    await txn.cancel();
  }

  /**
   * After a failed commit, a new transactional producer (Java bumps the epoch, KIP-360): a send
   * whose answer was lost (its leader died) may have been written, and @platformatic/kafka 1.35
   * would number the next transaction's batches as it did the lost one (OUT_OF_ORDER_SEQUENCE_NUMBER
   * on every later commit). A new client also looks the transaction coordinator up again, which
   * the old one never does. Transient errors (a coordinator moving) are retried for a minute.
   */
  private async renewProducer(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      // A new producer on every attempt: one whose InitProducerId failed keeps that transaction
      // open for good ("There is already an active transaction").
      const old = this.producer;
      this.producer = this.newProducer();
      await old.close().catch(() => undefined);
      try {
        return await this.initTransactions();
      } catch (error) {
        if (this.closed || !isTransient(error) || Date.now() > deadline) throw error;
        this.trouble('InitProducerId failed; retrying', error);
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }

  /** Fences zombies of this transactional id, joins the group and waits for the first assignment. */
  async start(): Promise<void> {
    // Before this member reads anything.
    await this.initTransactions();
    this.client.topics.trackAll(...this.options.topics);
    await this.client.joinGroup({});
    await this.rebalancing;
    this.fetchLoop = this.runFetchLoop();
  }

  assignment(): readonly TopicPartition[] {
    return this.assigned;
  }

  // ---- rebalancing ----

  private onJoin(payload: JoinPayload): void {
    const tps: TopicPartition[] = [];
    for (const a of payload.assignments ?? []) for (const partition of a.partitions) tps.push({ topic: a.topic, partition });
    tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    this.reassign(tps, { generationId: payload.generationId ?? -1, memberId: payload.memberId });
  }

  /** Everything polled so far becomes stale: committing it fails with KafkaRebalanceError. */
  private staleEverything(): void {
    this.epoch++;
    this.assigning++;
    this.buffer = [];
    this.signal.wake();
  }

  /** After any commit in flight: forget positions and hand the assigned partitions back. */
  private async revokeAll(): Promise<void> {
    await this.committing?.catch(() => undefined);
    const old = this.assigned;
    this.assigned = [];
    this.positions.clear();
    this.dataEnd.clear();
    if (old.length > 0) await this.options.listener?.onRevoked?.(old);
  }

  /** Eager reassignment: stale everything now, then (serialised) revoke, rewind, assign. */
  private reassign(tps: TopicPartition[], generation: { generationId: number; memberId: string }): void {
    this.staleEverything();
    this.rebalancing = this.rebalancing
      .then(async () => {
        await this.revokeAll();
        if (this.closed) return;
        this.generation = generation;
        await this.assign(tps);
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.assigning--;
        this.signal.wake();
      });
  }

  /**
   * Rewinds to the committed offsets and restores (onAssigned). A broker that just died fails these
   * look-ups until the controller has moved its leaderships (seconds): such errors are retried for
   * up to a minute instead of stopping the member (restoring again rewrites the same entries).
   */
  private async assign(tps: TopicPartition[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.rewind(tps);
        this.assigned = tps;
        if (tps.length > 0) await this.options.listener?.onAssigned?.(tps, this);
        return;
      } catch (error) {
        if (this.closed || !isTransient(error) || Date.now() > deadline) throw error;
        this.trouble('rewind or restore of an assignment failed; retrying', error);
        this.assigned = [];
        this.client.clearMetadata();
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }

  /** Positions = committed offsets (stable), or the log start when the group has none. */
  private async rewind(tps: readonly TopicPartition[]): Promise<void> {
    if (tps.length === 0) return;
    const committed = await committedOffsets(this.client, this.group, tps);
    const topics = [...new Set(tps.map((tp) => tp.topic))];
    const earliest = await this.client.listOffsets({ topics, timestamp: EARLIEST });
    for (const tp of tps) {
      const c = committed.get(tpKey(tp.topic, tp.partition)) ?? -1;
      const start = Number(earliest.get(tp.topic)?.[tp.partition] ?? 0n);
      this.positions.set(tpKey(tp.topic, tp.partition), c >= 0 ? Math.max(c, start) : start);
    }
  }

  // ---- fetching ----

  private async runFetchLoop(): Promise<void> {
    const o = this.log.options;
    let failures = 0;
    while (!this.closed && this.fatal === undefined) {
      if (this.assigning > 0 || this.assigned.length === 0 || this.buffer.length >= o.maxBufferedRecords) {
        await this.signal.wait(200);
        continue;
      }
      const epoch = this.epoch;
      try {
        await this.fetchOnce(epoch);
        failures = 0;
      } catch (error) {
        if (this.closed) break;
        this.trouble('fetch failed; retrying', error);
        failures++;
        this.client.clearMetadata();
        if (hasId(error, 'OFFSET_OUT_OF_RANGE') && epoch === this.epoch) await this.clampPositions().catch(() => undefined);
        await sleep(Math.min(100 * failures, 2000));
      }
    }
  }

  private async fetchOnce(epoch: number): Promise<void> {
    const o = this.log.options;
    const tps = this.assigned.filter((tp) => this.positions.has(tpKey(tp.topic, tp.partition)));
    const topics = [...new Set(tps.map((tp) => tp.topic))];
    const md = await this.client.metadata({ topics });
    const byLeader = new Map<number, Map<string, { topicId: string; partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }[] }>>();
    const idToTopic = new Map<string, string>();
    const requested = new Map<string, number>();
    for (const tp of tps) {
      const t = md.topics.get(tp.topic);
      if (!t) continue;
      idToTopic.set(t.id, tp.topic);
      const leader = t.partitions[tp.partition].leader;
      let topicsOfLeader = byLeader.get(leader);
      if (!topicsOfLeader) byLeader.set(leader, (topicsOfLeader = new Map()));
      let entry = topicsOfLeader.get(tp.topic);
      if (!entry) topicsOfLeader.set(tp.topic, (entry = { topicId: t.id, partitions: [] }));
      const from = this.positions.get(tpKey(tp.topic, tp.partition))!;
      requested.set(tpKey(tp.topic, tp.partition), from);
      entry.partitions.push({ partition: tp.partition, fetchOffset: BigInt(from), partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
    }
    await Promise.all(
      [...byLeader].map(async ([node, topicsOfLeader]) => {
        const response = await this.client.fetch({
          node,
          topics: [...topicsOfLeader.values()],
          maxWaitTime: o.fetchMaxWaitMs,
          minBytes: 1,
          maxBytes: o.fetchMaxBytes,
          isolationLevel: READ_COMMITTED,
        });
        if (epoch !== this.epoch || this.closed) return; // a rebalance made this response stale
        let added = 0;
        for (const t of response.responses) {
          const topic = idToTopic.get(t.topicId);
          if (topic === undefined) continue;
          for (const p of t.partitions) {
            const key = tpKey(topic, p.partitionIndex);
            const from = requested.get(key);
            if (from === undefined || this.positions.get(key) !== from) continue;
            const { records, next } = decodePartition(topic, p.partitionIndex, from, p.records, p.abortedTransactions ?? []);
            for (const r of records) this.buffer.push(r);
            added += records.length;
            if (records.length > 0) this.dataEnd.set(key, records[records.length - 1].offset + 1);
            this.positions.set(key, next);
          }
        }
        if (added > 0) this.signal.wake();
      }),
    );
  }

  /** After OFFSET_OUT_OF_RANGE (retention deleted what we wanted): move positions into the log. */
  private async clampPositions(): Promise<void> {
    const topics = [...new Set(this.assigned.map((tp) => tp.topic))];
    const earliest = await this.client.listOffsets({ topics, timestamp: EARLIEST });
    const latest = await this.client.listOffsets({ topics, isolationLevel: READ_COMMITTED });
    for (const tp of this.assigned) {
      const key = tpKey(tp.topic, tp.partition);
      const pos = this.positions.get(key);
      if (pos === undefined) continue;
      const lo = Number(earliest.get(tp.topic)?.[tp.partition] ?? 0n);
      const hi = Number(latest.get(tp.topic)?.[tp.partition] ?? 0n);
      if (pos < lo || pos > hi) this.positions.set(key, lo);
    }
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<LogRecord[]> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      if (this.fatal !== undefined) throw this.fatal;
      if (this.closed) return [];
      if (this.assigning === 0 && this.buffer.length > 0) {
        const out = this.buffer.length <= maxRecords ? this.buffer : this.buffer.slice(0, maxRecords);
        this.buffer = out === this.buffer ? [] : this.buffer.slice(maxRecords);
        this.deliveredEpoch ??= this.epoch;
        this.signal.wake(); // room for the fetch loop
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.signal.wait(left);
    }
  }

  // ---- committing ----

  async commit(batch: CommitBatch): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal;
    if (this.closed) throw new Error('consumer is closed');
    await this.rebalancing;
    const delivered = this.deliveredEpoch;
    if (delivered !== undefined && delivered !== this.epoch) {
      this.deliveredEpoch = undefined;
      // The batch may also hold records polled after the rebalance, processed on restored state:
      // rewind and restore once more so that the caller, dropping the batch, loses none of them.
      if (!this.closed) this.reassign([...this.assigned], this.generation);
      throw new KafkaRebalanceError(`group ${this.group} rebalanced after these records were polled; nothing was committed (they will be delivered again)`);
    }
    const owned = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const o of batch.offsets) {
      if (!owned.has(tpKey(o.topic, o.partition))) {
        this.deliveredEpoch = undefined;
        if (!this.closed) this.reassign([...this.assigned], this.generation);
        throw new KafkaRebalanceError(`${o.topic}/${o.partition} is not assigned to this member`);
      }
    }
    if (batch.offsets.length === 0 && batch.outputs.length === 0 && batch.state.length === 0) {
      this.deliveredEpoch = undefined;
      return;
    }
    const run = this.commitTransaction(batch, this.generation);
    this.committing = run;
    try {
      await run;
      this.deliveredEpoch = undefined;
      this.coordinatorFailures = 0;
    } catch (error) {
      // Nothing of the batch is visible. Rewind to the committed offsets and restore state, so
      // that the caller, having dropped its batch, sees the records again on consistent state.
      this.deliveredEpoch = undefined;
      // Repeated failures (e.g. TxnOffsetCommit to a group coordinator that died): new clients.
      const replace = !isFenced(error) && !this.closed && !this.replacing && isTransient(error) && ++this.coordinatorFailures >= COORDINATOR_FAILURES;
      if (isFenced(error)) this.fail(error);
      else if (replace) this.rejoinWithNewClients();
      else if (!this.closed && !this.replacing) {
        // Before the rewind below, which the next commit waits for.
        this.rebalancing = this.rebalancing.then(() => this.renewProducer()).catch((e: unknown) => this.fail(e));
      }
      if (!this.closed && !this.replacing) this.reassign([...this.assigned], this.generation);
      if (hasId(error, 'ILLEGAL_GENERATION') || hasId(error, 'UNKNOWN_MEMBER_ID') || hasId(error, 'REBALANCE_IN_PROGRESS') || hasId(error, 'FENCED_INSTANCE_ID')) {
        this.ensureMembership();
        throw new KafkaRebalanceError(`commit fenced by a rebalance of group ${this.group}`, { cause: error });
      }
      if (this.fatal !== undefined || this.closed) throw error;
      throw new KafkaCommitError(`commit of group ${this.group} failed; nothing was committed (the records will be delivered again)`, { cause: error });
    } finally {
      this.committing = undefined;
    }
  }

  private async commitTransaction(batch: CommitBatch, generation: { generationId: number; memberId: string }): Promise<void> {
    const messages: MessageToProduce[] = [];
    for (const r of batch.outputs) {
      const n = await this.log.partitionsOrLoad(r.topic);
      if (n === undefined) throw new Error(`unknown topic ${r.topic}`);
      messages.push(toMessage(r, n));
    }
    for (const w of batch.state) {
      await this.ensureChangelog(w.store);
      messages.push({ topic: changelogTopic(this.group, w.store), partition: w.partition, key: Buffer.from(w.key, 'utf8'), value: w.value as Buffer });
    }
    const txn = await this.producer.beginTransaction();
    try {
      // The client sends a partition's messages of one call as one record batch, which the broker
      // refuses above max.message.bytes (1 MiB by default): a large commit goes in several sends.
      for (const chunk of chunks(messages, Math.min(this.log.options.batchBytes, MAX_SEND_BYTES))) await txn.send({ messages: chunk });
      if (batch.offsets.length > 0) {
        await txn.addConsumer(this.client);
        const consumer = { groupId: this.group, generationId: generation.generationId, memberId: generation.memberId, coordinatorId: this.client.coordinatorId ?? (await this.client.findGroupCoordinator()) };
        // One TxnOffsetCommit per partition, sequentially: the client de-duplicates concurrent
        // calls of one operation into one request.
        for (const o of batch.offsets) {
          const key = tpKey(o.topic, o.partition);
          // Past trailing transaction markers: the offset after the last visible record is also
          // where the next visible record can start.
          let offset = o.offset;
          const pos = this.positions.get(key);
          if (offset === this.dataEnd.get(key) && pos !== undefined && pos > offset) offset = pos;
          const message = { topic: o.topic, partition: o.partition, offset: BigInt(offset - 1), metadata: { consumer } } as unknown as Message;
          await txn.addOffset(message);
        }
      }
      await txn.commit();
    } catch (error) {
      await txn.abort().catch(() => txn.cancel().catch(() => undefined));
      throw error;
    }
  }

  private ensureChangelog(store: string): Promise<void> {
    let ready = this.changelogs.get(store);
    if (ready === undefined) {
      const partitions = this.log.options.changelogPartitions ?? Math.max(1, ...this.options.topics.map((t) => this.log.partitionsOf(t)));
      ready = this.log.ensureTopics([{ name: changelogTopic(this.group, store), partitions, compacted: true }]);
      ready.catch(() => this.changelogs.delete(store));
      this.changelogs.set(store, ready);
    }
    return ready;
  }

  // ---- state restore ----

  async restore(store: string, partitions: readonly number[], apply: (key: string, value: Buffer) => void): Promise<void> {
    await restoreChangelog(this.client, this.log, changelogTopic(this.group, store), partitions, apply);
  }

  // ---- lag ----

  async lag(): Promise<PartitionLag[]> {
    const tps = this.assigned;
    if (tps.length === 0) return [];
    const committed = await committedOffsets(this.client, this.group, tps);
    const ends = await this.client.listOffsets({ topics: [...new Set(tps.map((tp) => tp.topic))], isolationLevel: READ_COMMITTED });
    return tps.map((tp) => {
      const key = tpKey(tp.topic, tp.partition);
      let offset = Math.max(0, committed.get(key) ?? -1);
      // Only transaction markers between the committed offset and our position: nothing to read.
      const pos = this.positions.get(key);
      if (offset === this.dataEnd.get(key) && pos !== undefined && pos > offset) offset = pos;
      const end = Number(ends.get(tp.topic)?.[tp.partition] ?? 0n);
      return { ...tp, offset, end, lag: Math.max(0, end - offset) };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.wake();
    await this.rebalancing.catch(() => undefined);
    await this.committing?.catch(() => undefined);
    const old = this.assigned;
    this.assigned = [];
    if (old.length > 0) await Promise.resolve(this.options.listener?.onRevoked?.(old)).catch(() => undefined);
    await this.fetchLoop?.catch(() => undefined);
    await new Promise<void>((resolve) => this.client.close(true, () => resolve()));
    await this.producer.close().catch(() => undefined);
    this.onClosed();
  }
}

/** Consecutive slices of `messages` of at most `maxBytes` each (a larger single message goes alone). */
function chunks(messages: readonly MessageToProduce[], maxBytes: number): MessageToProduce[][] {
  const out: MessageToProduce[][] = [];
  let current: MessageToProduce[] = [];
  let bytes = 0;
  for (const m of messages) {
    const b = messageBytes(m);
    if (current.length > 0 && bytes + b > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += b;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Closes a client consumer replaced after losing its group coordinator, in the background: its
 * LeaveGroup goes to the dead coordinator and fails (after the client's retries), and the client
 * then stays open, so its connections are closed directly.
 */
function closeStale(client: ClientConsumer): void {
  client.close(true, (error) => {
    if (error) Base.prototype.close.call(client).catch(() => undefined);
  });
}

/** A network error, or a broker error the client marks retriable (e.g. NOT_LEADER_OR_FOLLOWER). */
function isTransient(error: unknown): boolean {
  return Boolean((error as { findBy?: (k: string, v: unknown) => unknown }).findBy?.('canRetry', true));
}

function isFenced(error: unknown): boolean {
  return hasId(error, 'PRODUCER_FENCED') || hasId(error, 'INVALID_PRODUCER_EPOCH') || hasId(error, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
}
