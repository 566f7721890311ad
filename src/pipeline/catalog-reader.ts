/**
 * The catalogue as a global table (Kafka Streams' GlobalKTable): every processor of a group reads
 * all of content_catalog, because an event of any user may name any item and is enriched with that
 * item's category. The compacted topic is its own changelog, so the reader keeps no offsets: each
 * start reads it from the beginning, in a consumer group of its own.
 */
import { randomUUID } from 'node:crypto';
import type { AppendRecord, Consumer, Log, LogRecord, StateWrite } from '../log/types.ts';
import type { PersonalizationProcessor } from './personalization-processor.ts';
import type { TopicNames } from './topics.ts';

export interface CatalogReaderOptions {
  readonly log: Log;
  readonly topics: TopicNames;
  readonly processor: PersonalizationProcessor;
  /** Told about the catalogue entries each poll changed (to publish them). */
  readonly onWrites?: (writes: readonly StateWrite[], records: readonly LogRecord[]) => void;
  /** Awaited before each poll's records are applied (the schema ids they name: see schema-catch-up.ts). */
  readonly beforeApply?: (records: readonly LogRecord[]) => Promise<void>;
  /** Told about a failure of the read loop (it goes on). */
  readonly onError?: (error: unknown) => void;
}

export class CatalogReader {
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private running = false;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, number>();

  constructor(private readonly options: CatalogReaderOptions) {}

  /** Joins a group of its own, then reads the catalogue up to its current end before resolving. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { log, topics } = this.options;
    this.consumer = await log.subscribe({ group: `${topics.catalog}-reader-${randomUUID()}`, topics: [topics.catalog] });
    this.running = true;
    this.loop = this.run();
    await this.caughtUp(timeoutMs);
  }

  /** Resolves once every catalogue record appended before the call has been applied. */
  async caughtUp(timeoutMs = 5000): Promise<void> {
    const ends = await this.options.log.endOffsets(this.options.topics.catalog);
    const deadline = Date.now() + timeoutMs;
    while (ends.some((end, p) => (this.positions.get(p) ?? 0) < end)) {
      if (!this.running) throw new Error('catalogue reader stopped');
      if (Date.now() > deadline) throw new Error(`catalogue not read up to its end after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async run(): Promise<void> {
    const { processor, log } = this.options;
    while (this.running) {
      try {
        const records = await this.consumer!.poll(5000, 200);
        if (records.length === 0) continue;
        await this.options.beforeApply?.(records);
        const deadLetters: AppendRecord[] = [];
        const context = { forward: (r: AppendRecord) => deadLetters.push(r) };
        for (const r of records) processor.applyCatalog(r, context);
        const { writes } = processor.catalog.drainWrites();
        this.options.onWrites?.(writes, records);
        // Every processor reads every catalogue record, so each of them dead-letters a bad one.
        if (deadLetters.length > 0) await log.append(deadLetters);
        for (const r of records) this.positions.set(r.partition, r.offset + 1);
      } catch (error) {
        if (!this.running) break;
        this.options.onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer?.close();
  }
}
