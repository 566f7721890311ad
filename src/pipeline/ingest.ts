/**
 * Ingest: validates a batch of events, de-duplicates by event_id, appends the valid ones to the log
 * (durable before it answers) and the invalid ones to the dead-letter topic with their reasons.
 * One invalid event never takes a valid one of the same batch down with it.
 */
import { EddyError } from '../errors.ts';
import type { CatalogItem } from '../events/schema.ts';
import { validateEvent, validateItem } from '../events/validate.ts';
import type { AppendRecord, Log } from '../log/types.ts';
import type { TopicNames } from './topics.ts';

export interface Rejection {
  readonly index: number;
  readonly errors: readonly string[];
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: readonly Rejection[];
}

export interface IngestOptions {
  readonly log: Log;
  readonly topics: TopicNames;
  /** Throws EDDY_OVERLOADED when processing is too far behind (backpressure). */
  readonly admit?: () => void;
  /** Wall clock, stamped on events as `ingested_at` to measure freshness end to end. */
  readonly now?: () => number;
}

export class Ingest {
  private readonly now: () => number;

  constructor(private readonly options: IngestOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Validates and appends events; resolves once the accepted ones are durable. */
  async events(batch: readonly unknown[]): Promise<IngestResult> {
    this.options.admit?.();
    const { topics } = this.options;
    const records: AppendRecord[] = [];
    const rejected: Rejection[] = [];
    const deadLetters: AppendRecord[] = [];
    const ingestedAt = this.now();
    batch.forEach((raw, index) => {
      const checked = validateEvent(raw);
      if (!checked.ok) {
        rejected.push({ index, errors: checked.errors });
        deadLetters.push({
          topic: topics.deadLetter,
          key: String((raw as { user_id?: unknown } | null)?.user_id ?? ''),
          value: Buffer.from(JSON.stringify(raw) ?? 'null'),
          headers: { 'eddy-error': checked.errors.join('; '), 'eddy-source': 'http' },
        });
        return;
      }
      const event = checked.value;
      records.push({
        topic: topics.interactions,
        key: event.user_id,
        value: Buffer.from(JSON.stringify({ ...event, ingested_at: ingestedAt })),
        ...(event.event_id !== undefined && { dedupKey: event.event_id }),
      });
    });
    const result = await this.options.log.append([...records, ...deadLetters]).catch((error: unknown) => {
      // A log that says retrying can help (a Kafka broker failing over): 503 with Retry-After.
      if ((error as { retriable?: unknown } | null)?.retriable === true) {
        throw new EddyError('EDDY_NOT_READY', { message: 'the log did not take the events; retry', retryAfterSec: 1, cause: error });
      }
      throw error;
    });
    let duplicates = 0;
    for (let i = 0; i < records.length; i++) if (result.duplicate[i]) duplicates++;
    return { accepted: records.length - duplicates, duplicates, rejected };
  }

  /** Validates and stores catalogue items (all or nothing: a catalogue batch is one change). */
  async items(batch: readonly unknown[]): Promise<number> {
    const errors: string[] = [];
    const items: CatalogItem[] = [];
    batch.forEach((raw, i) => {
      const checked = validateItem(raw);
      if (checked.ok) items.push(checked.value);
      else for (const e of checked.errors) errors.push(batch.length > 1 ? `/${i}${e}` : e);
    });
    if (errors.length > 0) throw new EddyError('EDDY_INVALID_ITEM', { details: errors });
    await this.options.log.append(
      items.map((item) => ({ topic: this.options.topics.catalog, key: item.content_id, value: Buffer.from(JSON.stringify(item)) })),
    );
    return items.length;
  }
}
