/**
 * Runs one Processor (topology.ts): feeds it batches, fires its punctuations, and turns what it
 * did since the last commit into one commit's worth of state writes and output records. It knows
 * nothing of logs or offsets: the stream task, the replay, the rebuild and the test driver put it
 * between their source of records and their way of committing.
 */
import type { AppendRecord, LogRecord, StateWrite, TopicPartition } from '../log/types.ts';
import type { KeyValueStore } from './state-store.ts';
import type { Cancellable, Processor, ProcessorContext, PunctuationType } from './topology.ts';

/** Everything a commit carries besides offsets. */
export interface DrainedChanges {
  /** Changed state, encoded as in the changelog. */
  readonly state: StateWrite[];
  /** Changed values per store (key -> value, undefined when deleted), for in-process readers. */
  readonly changes: Map<string, ReadonlyMap<string, unknown>>;
  /** Records forwarded since the last drain. */
  readonly outputs: AppendRecord[];
}

/**
 * What a stream task needs of whatever runs its processor: this thread's {@link TopologyDriver},
 * or a worker thread's (remote-driver.ts). Calls may answer at once or asynchronously; the task
 * awaits each, in order.
 */
export interface TaskDriver {
  /** Names of the processor's stores, which the task restores by name. */
  readonly storeNames: readonly string[];
  readonly commitRequested: boolean;
  /**
   * The processor runs on another thread: the task may drain, send the next batch, and commit the
   * drained changes while that batch is processed (a drain covers what was sent before it).
   */
  readonly pipelined?: boolean;
  restoreEntry(store: string, key: string, partition: number, value: Buffer): void;
  assigned(partitions: readonly TopicPartition[]): void | Promise<void>;
  revoked(partitions: readonly TopicPartition[]): void | Promise<void>;
  process(records: readonly LogRecord[]): void | Promise<void>;
  tick(): void | Promise<void>;
  drain(): DrainedChanges | Promise<DrainedChanges>;
  discard(): void | Promise<void>;
}

interface Punctuation {
  readonly intervalMs: number;
  readonly type: PunctuationType;
  readonly callback: (time: number) => void;
  /** When it is next due, on its clock; undefined until that clock has a first value. */
  next: number | undefined;
  cancelled: boolean;
}

export interface TopologyDriverOptions {
  /** The wall clock of wall-clock punctuations. Default Date.now. */
  readonly wallClock?: () => number;
}

export class TopologyDriver implements TaskDriver {
  readonly context: ProcessorContext;
  private outputs: AppendRecord[] = [];
  private readonly punctuations: Punctuation[] = [];
  private readonly storesByName = new Map<string, KeyValueStore<unknown>>();
  private readonly wallClock: () => number;
  private recordTime = Number.NEGATIVE_INFINITY;
  private commitAsked = false;
  private initialised = false;

  constructor(
    readonly processor: Processor,
    options: TopologyDriverOptions = {},
  ) {
    this.wallClock = options.wallClock ?? Date.now;
    for (const store of processor.stores) this.storesByName.set(store.name, store);
    this.context = {
      forward: (record) => this.outputs.push(record),
      getStateStore: <V>(name: string) => {
        const store = this.storesByName.get(name);
        if (store === undefined) throw new Error(`no state store named ${name} (declared: ${[...this.storesByName.keys()].join(', ')})`);
        return store as KeyValueStore<V>;
      },
      schedule: (intervalMs, type, callback) => {
        if (!(intervalMs > 0)) throw new Error(`schedule: intervalMs must be > 0, got ${intervalMs}`);
        const p: Punctuation = { intervalMs, type, callback, next: undefined, cancelled: false };
        this.punctuations.push(p);
        this.arm(p);
        return { cancel: () => void (p.cancelled = true) } satisfies Cancellable;
      },
      commit: () => void (this.commitAsked = true),
    };
  }

  get storeNames(): readonly string[] {
    return [...this.storesByName.keys()];
  }

  /** Calls the processor's `init` once (also done by the first `process` or `tick`). */
  init(): void {
    if (this.initialised) return;
    this.initialised = true;
    this.processor.init?.(this.context);
  }

  /** The processor's stream time, or the highest record timestamp seen. */
  streamTime(): number {
    return this.processor.streamTime?.() ?? this.recordTime;
  }

  /** Processes one batch, then fires the punctuations it made due. */
  process(records: readonly LogRecord[]): void {
    this.init();
    if (records.length > 0) {
      for (const r of records) if (r.timestamp > this.recordTime) this.recordTime = r.timestamp;
      this.processor.process(records, this.context);
    }
    this.punctuate();
  }

  /** Between batches (e.g. an idle poll): fires the punctuations that are due. */
  tick(): void {
    this.init();
    this.punctuate();
  }

  /** Whether the processor asked for a commit since the last drain. */
  get commitRequested(): boolean {
    return this.commitAsked;
  }

  /** Lets the processor flush, then takes every change and output since the last drain. */
  drain(): DrainedChanges {
    this.init();
    this.processor.flush?.(this.context);
    const state: StateWrite[] = [];
    const changes = new Map<string, ReadonlyMap<string, unknown>>();
    for (const store of this.processor.stores) {
      const drained = store.drainWrites();
      if (drained.writes.length === 0) continue;
      for (const w of drained.writes) state.push(w);
      changes.set(store.name, drained.changed);
    }
    const outputs = this.outputs;
    this.outputs = [];
    this.commitAsked = false;
    return { state, changes, outputs };
  }

  /** Takes the records forwarded since the last call or drain (a test reads them at once). */
  takeOutputs(): AppendRecord[] {
    const outputs = this.outputs;
    this.outputs = [];
    return outputs;
  }

  /** Forgets what was done since the last drain (a failed commit: the source replays it). */
  discard(): void {
    this.outputs = [];
    this.commitAsked = false;
    for (const store of this.processor.stores) store.clearDirty();
  }

  /** Loads one committed entry of a store (restore). */
  restoreEntry(store: string, key: string, partition: number, value: Buffer): void {
    const s = this.storesByName.get(store);
    if (s === undefined) throw new Error(`restore: no state store named ${store}`);
    s.restoreEntry(key, partition, value);
  }

  /** After partitions were assigned and restored. */
  assigned(partitions: readonly TopicPartition[]): void {
    this.processor.onAssigned?.(partitions);
  }

  /** Partitions were revoked: their keys leave every store. */
  revoked(partitions: readonly TopicPartition[]): void {
    const ps = new Set(partitions.map((tp) => tp.partition));
    for (const store of this.processor.stores) store.dropPartitions(ps);
  }

  private clock(type: PunctuationType): number {
    return type === 'wall-clock' ? this.wallClock() : this.streamTime();
  }

  private arm(p: Punctuation): void {
    const now = this.clock(p.type);
    if (Number.isFinite(now)) p.next = now + p.intervalMs;
  }

  private punctuate(): void {
    for (let i = 0; i < this.punctuations.length; i++) {
      const p = this.punctuations[i];
      if (p.cancelled) continue;
      if (p.next === undefined) {
        this.arm(p);
        continue;
      }
      const now = this.clock(p.type);
      if (!(now >= p.next)) continue; // also a NaN clock
      // Once per call, however many intervals passed (a replay jumping hours ahead, a long pause).
      p.next = now + p.intervalMs;
      p.callback(now);
    }
    for (let i = this.punctuations.length - 1; i >= 0; i--) if (this.punctuations[i].cancelled) this.punctuations.splice(i, 1);
  }
}
