/**
 * The append path: coalesces concurrent `append` calls into produce requests on ONE idempotent
 * producer, one request in flight at a time.
 *
 * One in flight is not only for ordering: @platformatic/kafka 1.35 advances an idempotent
 * producer's per-partition sequence numbers when a response arrives, so two concurrent `send`s to
 * one partition would carry the same sequence and the broker would drop the second as a
 * duplicate. Batching in front of the client keeps throughput high anyway (linger.ms,
 * batch.size) and bounds memory (buffer.memory, max.block.ms).
 */
import type { MessageToProduce, Producer } from '@platformatic/kafka';
import { partitionFor } from '../partitioner.ts';
import type { AppendRecord, AppendResult } from '../types.ts';
import { KafkaAppendError, KafkaBufferFullError, type ResolvedKafkaLogOptions } from './options.ts';

interface Pending {
  readonly messages: MessageToProduce[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A record as the client takes it: explicit partition (murmur2, as Kafka's default partitioner), Buffer key and headers. */
export function toMessage(r: AppendRecord, partitions: number): MessageToProduce {
  const key = Buffer.from(r.key, 'utf8');
  const message: MessageToProduce = { topic: r.topic, key, value: r.value, partition: partitionFor(r.key, partitions) };
  if (r.headers) {
    const headers = new Map<Buffer, Buffer>();
    for (const [k, v] of Object.entries(r.headers)) headers.set(Buffer.from(k), Buffer.from(v));
    message.headers = headers;
  }
  if (r.timestamp !== undefined) message.timestamp = BigInt(Math.trunc(r.timestamp));
  return message;
}

export function messageBytes(m: MessageToProduce): number {
  return (m.key?.length ?? 0) + (m.value?.length ?? 0) + 32;
}

export class AppendQueue {
  private producer: Producer;
  /** Producers replaced after a failed send, closed in the background. */
  renewals = 0;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly roomWaiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly newProducer: () => Producer,
    private readonly options: ResolvedKafkaLogOptions,
    private readonly partitionsOf: (topic: string) => number,
  ) {
    this.producer = newProducer();
  }

  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closed) throw new Error('log is closed');
    const duplicate = new Array<boolean>(records.length).fill(false);
    const dedup = this.options.dedup;
    const fresh: string[] = [];
    if (dedup) {
      const idx: number[] = [];
      const keys: string[] = [];
      records.forEach((r, i) => {
        if (r.dedupKey !== undefined) {
          idx.push(i);
          keys.push(r.dedupKey);
        }
      });
      if (keys.length > 0) {
        const seen = await dedup.seen(keys);
        const inBatch = new Set<string>();
        idx.forEach((i, j) => {
          if (seen[j] || inBatch.has(keys[j])) duplicate[i] = true;
          else {
            inBatch.add(keys[j]);
            fresh.push(keys[j]);
          }
        });
      }
    }
    const messages: MessageToProduce[] = [];
    let bytes = 0;
    records.forEach((r, i) => {
      if (duplicate[i]) return;
      const m = toMessage(r, this.partitionsOf(r.topic));
      bytes += messageBytes(m);
      messages.push(m);
    });
    if (messages.length > 0) {
      await this.waitForRoom(bytes);
      await new Promise<void>((resolve, reject) => {
        this.queue.push({ messages, bytes, resolve, reject });
        this.queuedBytes += bytes;
        this.schedule();
      });
    }
    if (dedup && fresh.length > 0) await dedup.mark(fresh);
    return { duplicate };
  }

  private waitForRoom(bytes: number): Promise<void> {
    // A single append larger than the whole buffer is let through alone rather than refused forever.
    const fits = () => this.queuedBytes === 0 || this.queuedBytes + bytes <= this.options.bufferMemory;
    if (fits()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!fits()) return;
        clearTimeout(timer);
        this.roomWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.roomWaiters.delete(check);
        reject(new KafkaBufferFullError(`append buffer full (${this.queuedBytes} bytes queued) for ${this.options.maxBlockMs} ms`));
      }, this.options.maxBlockMs);
      this.roomWaiters.add(check);
    });
  }

  private schedule(): void {
    if (this.inFlight || this.timer !== undefined) return;
    if (this.options.lingerMs <= 0) {
      this.timer = setImmediate(() => this.flush()) as unknown as NodeJS.Timeout;
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.options.lingerMs);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.inFlight || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0].bytes <= this.options.batchBytes)) {
      const p = this.queue.shift()!;
      bytes += p.bytes;
      batch.push(p);
    }
    const messages = batch.length === 1 ? batch[0].messages : batch.flatMap((p) => p.messages);
    this.inFlight = true;
    this.producer.send({ messages, acks: this.options.acks }).then(
      () => this.done(batch, bytes, undefined),
      (error: unknown) => this.done(batch, bytes, error),
    );
  }

  private done(batch: Pending[], bytes: number, error: unknown): void {
    if (error !== undefined && this.options.idempotence) this.renewProducer();
    this.inFlight = false;
    this.queuedBytes -= bytes;
    const failure = error === undefined ? undefined : new KafkaAppendError('the cluster did not acknowledge the append', { cause: error });
    for (const p of batch) {
      if (failure === undefined) p.resolve();
      else p.reject(failure);
    }
    for (const w of [...this.roomWaiters]) w();
    if (this.queue.length > 0) {
      // Anything queued while this request was in flight has lingered long enough.
      this.timer = setImmediate(() => this.flush()) as unknown as NodeJS.Timeout;
    }
  }

  /**
   * After a failed send the idempotent producer's sequence numbers may no longer match the broker's:
   * a request whose answer was lost (its leader died) may have been written all the same, and
   * @platformatic/kafka 1.35 then numbers the next batch of that partition as it did the lost one.
   * The broker drops such a batch as a duplicate when it has as many records (acknowledged, yet
   * lost) and refuses every later one with OUT_OF_ORDER_SEQUENCE_NUMBER otherwise. Java bumps the
   * producer epoch (KIP-360); here a new producer (a new producer id, sequences from 0) takes over.
   * Records of the failed append may then be in the log twice when the caller retries; the stream
   * processor drops the second copy by event_id (test/pipeline/kafka-broker-loss.test.ts).
   */
  private renewProducer(): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.renewals++;
    void old.close().catch(() => undefined);
  }

  /** Sends what is queued and waits for it. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    await this.producer.close();
  }
}
