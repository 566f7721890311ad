/**
 * A topology driven in a worker thread: the stream task keeps the log, offsets and commits on its
 * own thread, and sends each batch to the worker, which runs the processor (topology-worker.ts) and
 * hands back one commit's state writes and outputs at each drain. The thread that serves requests
 * then never waits behind a batch. Messages are answered in order, so a restore, an assignment and
 * the batches after it reach the processor exactly as they would in-thread.
 */
import { Worker } from 'node:worker_threads';
import type { LogRecord, StateWrite, TopicPartition } from '../log/types.ts';
import type { DrainedChanges, TaskDriver } from './driver.ts';
import type { Processor } from './topology.ts';
import { packRecords, packWrites, transferList, unpackAppends, unpackWrites, type PackedAppends, type PackedRecords, type PackedWrites } from './worker-wire.ts';

/** What a worker module's `createTopology(options)` returns. */
export interface WorkerTopology {
  readonly processor: Processor;
  /** Sent with every drain (e.g. counters the serving thread exports); structured-cloneable. */
  report?(): unknown;
  /** Messages from the task's thread that are not records (e.g. served lists to learn from). */
  handle?(name: string, payload: unknown): void;
}

/** `workerData` of a topology worker. */
export interface WorkerTopologyData {
  /** URL of the module exporting `createTopology`. */
  readonly module: string;
  /** Its argument (structured-cloneable). */
  readonly options: unknown;
}

export type ToWorker =
  | { t: 'restore'; writes: PackedWrites }
  | { t: 'assigned'; partitions: TopicPartition[] }
  | { t: 'revoked'; partitions: TopicPartition[] }
  | { t: 'process'; id: number; records: PackedRecords }
  | { t: 'tick'; id: number }
  | { t: 'drain'; id: number }
  | { t: 'discard' }
  | { t: 'call'; name: string; payload: unknown };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'processed'; id: number; commitRequested: boolean }
  | { t: 'drained'; id: number; writes: PackedWrites; outputs: PackedAppends; report: unknown }
  | { t: 'error'; id: number; error: unknown };

export interface RemoteTopologyOptions {
  /** URL of the module exporting `createTopology` (see {@link WorkerTopology}). */
  readonly module: URL;
  readonly options: unknown;
  /** Names of the processor's stores (the task restores them by name). */
  readonly storeNames: readonly string[];
  /** Receives the worker's report at every drain, before the drained changes are returned. */
  readonly onReport?: (report: unknown) => void;
  /** Batches sent ahead of the worker's answers (pipelining). Default 4. */
  readonly maxInflight?: number;
  /** Restored entries sent to the worker per message. Default 20,000. */
  readonly restoreChunk?: number;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

interface Waiting {
  resolve(message: FromWorker): void;
  reject(error: unknown): void;
}

export class RemoteTopologyDriver implements TaskDriver {
  readonly storeNames: readonly string[];
  readonly pipelined = true;
  private commitAsked = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private failure: unknown;
  private restoring: StateWrite[] = [];
  /** Batches sent and not yet answered: the task polls the next one while the worker works. */
  private inflight: Promise<void>[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly options: RemoteTopologyOptions,
  ) {
    this.storeNames = options.storeNames;
    worker.on('message', (m: FromWorker) => this.received(m));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the processing worker exited (code ${code})`)));
  }

  /** Starts the worker and resolves once its processor is built. */
  static async start(options: RemoteTopologyOptions): Promise<RemoteTopologyDriver> {
    const data: WorkerTopologyData = { module: options.module.href, options: options.options };
    const worker = new Worker(BOOT, { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.t !== 'ready') return;
        worker.off('error', reject);
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new RemoteTopologyDriver(worker, options);
  }

  /** As the worker's answers tell it so far: a request made in a batch still in flight shows a little later. */
  get commitRequested(): boolean {
    return this.commitAsked;
  }

  restoreEntry(store: string, key: string, partition: number, value: Buffer): void {
    // Held as given (the logs hand out a new buffer per entry); packing copies it once, to send.
    this.restoring.push({ store, key, partition, value });
    if (this.restoring.length >= (this.options.restoreChunk ?? 20_000)) this.sendRestored();
  }

  assigned(partitions: readonly TopicPartition[]): void {
    this.sendRestored();
    this.post({ t: 'assigned', partitions: partitions.map(({ topic, partition }) => ({ topic, partition })) });
  }

  revoked(partitions: readonly TopicPartition[]): void {
    this.post({ t: 'revoked', partitions: partitions.map(({ topic, partition }) => ({ topic, partition })) });
  }

  /**
   * Sends a batch and returns before the worker has processed it, unless `maxInflight` batches
   * are unanswered; a failure surfaces at a later call (at the latest the drain), before any commit.
   */
  async process(records: readonly LogRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const packed = packRecords(records);
    await this.queue(this.request((id) => ({ t: 'process', id, records: packed }), transferList(packed.values)));
  }

  async tick(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    await this.queue(this.request((id) => ({ t: 'tick', id })));
  }

  private async queue(answer: Promise<FromWorker>): Promise<void> {
    const done = answer.then((m) => {
      if (m.t === 'processed') this.commitAsked ||= m.commitRequested;
    });
    done.catch(() => undefined); // awaited below or at the drain
    this.inflight.push(done);
    if (this.inflight.length > (this.options.maxInflight ?? 4)) await this.inflight.shift();
  }

  /** Covers every batch sent before it: the request goes out now, before anything sent later. */
  drain(): Promise<DrainedChanges> {
    const inflight = this.inflight;
    this.inflight = [];
    const answer = this.request((id) => ({ t: 'drain', id }));
    return this.drained(inflight, answer);
  }

  private async drained(inflight: Promise<void>[], answer: Promise<FromWorker>): Promise<DrainedChanges> {
    answer.catch(() => undefined); // a failed batch before it is the error to report
    await Promise.all(inflight);
    const m = await answer;
    if (m.t !== 'drained') throw new Error(`unexpected answer to drain: ${m.t}`);
    this.commitAsked = false;
    this.options.onReport?.(m.report);
    // Decoded values stay in the worker: in-thread readers follow the committed writes instead.
    return { state: unpackWrites(m.writes), changes: new Map(), outputs: unpackAppends(m.outputs) };
  }

  discard(): void {
    this.commitAsked = false;
    this.inflight = [];
    this.post({ t: 'discard' });
  }

  /** Sends a message the worker's topology handles (`WorkerTopology.handle`). */
  call(name: string, payload: unknown): void {
    this.post({ t: 'call', name, payload });
  }

  /** Stops the worker (after the task's last commit). */
  async close(): Promise<void> {
    this.failure ??= new Error('the processing worker was closed');
    await this.worker.terminate();
  }

  private sendRestored(): void {
    if (this.restoring.length === 0) return;
    const writes = packWrites(this.restoring);
    this.restoring = [];
    this.post({ t: 'restore', writes }, transferList(writes.values));
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure !== undefined) throw this.failure;
    this.worker.postMessage(message, transfer);
  }

  private request(make: (id: number) => ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    const id = this.nextId++;
    return new Promise<FromWorker>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      try {
        this.post(make(id), transfer);
      } catch (error) {
        this.waiting.delete(id);
        reject(error);
      }
    });
  }

  private received(m: FromWorker): void {
    if (m.t === 'ready') return;
    if (m.t === 'error') {
      const w = this.waiting.get(m.id);
      // An error in a message that expects no answer fails the next request.
      if (w === undefined) return void (this.failure ??= m.error);
      this.waiting.delete(m.id);
      return w.reject(m.error);
    }
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    w.resolve(m);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
