/**
 * The processor API of eddy's stream runtime, after Kafka Streams' Processor API: a processor
 * declares its state stores, receives batches of records, and through its context reads stores,
 * forwards records, schedules punctuations on stream time or wall-clock time and asks for commits.
 * One TopologyDriver (driver.ts) runs a processor for every caller: the stream task of the service,
 * `eddy replay`, `eddy retrain`, and the synchronous TopologyTestDriver of the tests.
 */
import type { AppendRecord, LogRecord, TopicPartition } from '../log/types.ts';
import type { KeyValueStore } from './state-store.ts';

/** On which clock a punctuation is due (Kafka Streams' PunctuationType). */
export type PunctuationType = 'stream-time' | 'wall-clock';

/** A scheduled punctuation; `cancel` stops it. */
export interface Cancellable {
  cancel(): void;
}

/** Sends a record to a topic; it is written in the same commit as the batch that caused it. */
export type Forwarder = (record: AppendRecord) => void;

/** What a processor may do besides changing its stores. */
export interface ProcessorContext {
  /** Sends a record to a topic; it is written in the same commit as the batch. */
  forward(record: AppendRecord): void;
  /** One of the processor's declared stores, by name; throws for a name it did not declare. */
  getStateStore<V>(name: string): KeyValueStore<V>;
  /**
   * Calls `callback(time)` every `intervalMs` of stream time (as the processor defines it, see
   * `Processor.streamTime`) or of wall-clock time, between batches: never in the middle of one.
   */
  schedule(intervalMs: number, type: PunctuationType, callback: (time: number) => void): Cancellable;
  /** Asks for a commit after the current batch, however soon after the last one. */
  commit(): void;
}

/** The processing logic of a topology. Only `stores` and `process` are required. */
export interface Processor {
  /** Stores this processor writes; the driver restores, commits and drops them. */
  readonly stores: readonly KeyValueStore<unknown>[];
  /** Called once, before the first record: retrieve stores, schedule punctuations. */
  init?(context: ProcessorContext): void;
  /** Processes one batch of records (in offset order per partition). */
  process(records: readonly LogRecord[], context: ProcessorContext): void;
  /**
   * Called before each commit: put what the processor keeps outside its stores (models, clocks)
   * into them, so that the commit carries it. A value changed many times is written once.
   */
  flush?(context: ProcessorContext): void;
  /** Stream time, e.g. the highest accepted event time. Default: the highest record timestamp seen. */
  streamTime?(): number;
  /** Called after partitions were assigned and their state restored. */
  onAssigned?(partitions: readonly TopicPartition[]): void;
}
