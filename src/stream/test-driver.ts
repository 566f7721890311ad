/**
 * A synchronous driver of a topology without a log, after Kafka Streams' TopologyTestDriver: pipe
 * records in, read the records it forwarded and its stores, move the wall clock, commit. Commits
 * go to an in-memory changelog, so `restart` builds a new processor from the factory and restores
 * exactly what was committed, as a crash and restart would (everything since is lost).
 */
import type { AppendRecord, LogRecord, StateWrite, TopicPartition } from '../log/types.ts';
import { TopologyDriver, type DrainedChanges } from './driver.ts';
import type { KeyValueStore } from './state-store.ts';
import type { Processor } from './topology.ts';

export interface TestRecord {
  readonly topic: string;
  readonly key: string;
  /** A Buffer, or anything else, which is sent as its JSON. */
  readonly value: unknown;
  readonly partition?: number;
  /** Log timestamp (append time). Default: the driver's wall clock. */
  readonly timestamp?: number;
  readonly headers?: Record<string, string>;
}

export interface TopologyTestDriverOptions {
  /** Assigned before the first record (restored from the changelog on `restart`). */
  readonly partitions: readonly TopicPartition[];
  /** Start of the driver's wall clock, ms. Default 1_700_000_000_000. */
  readonly wallClock?: number;
}

export class TopologyTestDriver<P extends Processor> {
  /** The processor under test (a new one after `restart`). */
  readonly processor: P;
  private readonly driver: TopologyDriver;
  private readonly offsets = new Map<string, number>();
  private outputs: AppendRecord[] = [];
  /** Committed state: `store\0partition\0key` -> value. */
  private readonly changelog: Map<string, StateWrite>;
  private now: number;

  constructor(
    private readonly factory: (clock: () => number) => P,
    private readonly options: TopologyTestDriverOptions,
    restoreFrom?: { changelog: Map<string, StateWrite>; wallClock: number; offsets: Map<string, number> },
  ) {
    this.now = restoreFrom?.wallClock ?? options.wallClock ?? 1_700_000_000_000;
    this.changelog = restoreFrom?.changelog ?? new Map();
    if (restoreFrom) for (const [k, v] of restoreFrom.offsets) this.offsets.set(k, v);
    this.processor = factory(() => this.now);
    this.driver = new TopologyDriver(this.processor, { wallClock: () => this.now });
    for (const w of this.changelog.values()) if (w.value !== null) this.driver.restoreEntry(w.store, w.key, w.partition, w.value);
    this.driver.assigned(options.partitions);
    this.driver.init();
  }

  /** Processes the records as one batch. */
  pipe(...records: readonly TestRecord[]): void {
    this.driver.process(records.map((r) => this.toLogRecord(r)));
    this.outputs.push(...this.driver.takeOutputs());
  }

  /** Moves the wall clock and fires what became due. */
  advanceWallClock(ms: number): void {
    this.now += ms;
    this.driver.tick();
    this.outputs.push(...this.driver.takeOutputs());
  }

  get wallClock(): number {
    return this.now;
  }

  /** A store of the processor, by name. */
  store<V>(name: string): KeyValueStore<V> {
    return this.driver.context.getStateStore<V>(name);
  }

  /** Takes the records forwarded so far (to one topic, or all). */
  readOutput(topic?: string): AppendRecord[] {
    const taken = topic === undefined ? this.outputs : this.outputs.filter((r) => r.topic === topic);
    this.outputs = topic === undefined ? [] : this.outputs.filter((r) => r.topic !== topic);
    return taken;
  }

  /** Commits what changed since the last commit into the in-memory changelog; returns it. */
  commit(): DrainedChanges {
    const drained = this.driver.drain();
    this.outputs.push(...drained.outputs);
    for (const w of drained.state) this.changelog.set(`${w.store}\0${w.partition}\0${w.key}`, w);
    return drained;
  }

  /** Everything committed so far, one write per key. */
  committed(): StateWrite[] {
    return [...this.changelog.values()];
  }

  /** A crash and restart: a new processor restored from the changelog; uncommitted work is lost. */
  restart(): TopologyTestDriver<P> {
    return new TopologyTestDriver(this.factory, this.options, { changelog: this.changelog, wallClock: this.now, offsets: this.offsets });
  }

  private toLogRecord(r: TestRecord): LogRecord {
    const partition = r.partition ?? 0;
    const key = `${r.topic}\0${partition}`;
    const offset = this.offsets.get(key) ?? 0;
    this.offsets.set(key, offset + 1);
    const value = Buffer.isBuffer(r.value) ? r.value : Buffer.from(JSON.stringify(r.value));
    return { topic: r.topic, partition, offset, key: r.key, value, timestamp: r.timestamp ?? this.now, headers: r.headers ?? {} };
  }
}
