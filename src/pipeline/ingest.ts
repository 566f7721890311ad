/**
 * Ingest: validates a batch of events, de-duplicates by event_id, appends the valid ones to the log
 * (durable before it answers) and the invalid ones to the dead-letter topic with their reasons.
 * One invalid event never takes a valid one of the same batch down with it.
 */
import { EddyError } from '../errors.ts';
import { DEFAULT_EVENT_TIME, type EventTimePolicy } from '../events/event-time.ts';
import { DEFAULT_INPUT_LIMITS, previewOf, RejectedInput } from '../events/json-input.ts';
import type { IngestResult, Rejection } from '../events/ingest-result.ts';
import { validateEvent, validateItem, type EventClock } from '../events/validate.ts';
import type { AppendRecord, Log } from '../log/types.ts';
import type { TopicNames } from './topics.ts';

export type { IngestResult, Rejection } from '../events/ingest-result.ts';

export interface IngestOptions {
  readonly log: Log;
  readonly topics: TopicNames;
  /** Throws EDDY_OVERLOADED when processing is too far behind (backpressure). */
  readonly admit?: () => void;
  /** Wall clock, stamped on events as `ingested_at` to measure freshness end to end, and the one event times are checked against. */
  readonly now?: () => number;
  /** Which event times are accepted (default: 5 minutes of future skew, nothing before 2000). */
  readonly eventTime?: EventTimePolicy;
  /** Largest encoded event or item, bytes. */
  readonly maxRecordBytes?: number;
}

export class Ingest {
  private readonly now: () => number;
  private readonly clock: EventClock;
  private readonly maxRecordBytes: number;

  constructor(private readonly options: IngestOptions) {
    this.now = options.now ?? Date.now;
    this.clock = { now: this.now, policy: options.eventTime ?? DEFAULT_EVENT_TIME };
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_INPUT_LIMITS.maxBytes;
  }

  /** Validates and appends events; resolves once the accepted ones are durable. */
  async events(batch: readonly unknown[]): Promise<IngestResult> {
    this.options.admit?.();
    const { topics } = this.options;
    const records: AppendRecord[] = [];
    const rejected: Rejection[] = [];
    const deadLetters: AppendRecord[] = [];
    const ingestedAt = this.now();
    const reject = (index: number, raw: unknown, errors: readonly string[]) => {
      rejected.push({ index, errors });
      const userId = (raw as { user_id?: unknown } | null)?.user_id;
      deadLetters.push({
        topic: topics.deadLetter,
        key: typeof userId === 'string' ? userId.slice(0, 256) : '',
        value: Buffer.from(raw instanceof RejectedInput ? raw.preview : previewOf(raw)),
        headers: { 'eddy-error': errors.join('; '), 'eddy-source': 'http' },
      });
    };
    batch.forEach((raw, index) => {
      const checked = validateEvent(raw, this.clock);
      if (!checked.ok) return reject(index, raw, checked.errors);
      const event = checked.value;
      const value = Buffer.from(JSON.stringify({ ...event, ingested_at: ingestedAt }));
      if (value.length > this.maxRecordBytes) return reject(index, raw, [`/: is ${value.length} bytes, more than ${this.maxRecordBytes}`]);
      records.push({
        topic: topics.interactions,
        key: event.user_id,
        value,
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
    const records: AppendRecord[] = [];
    batch.forEach((raw, i) => {
      const problems = this.itemProblems(raw, records);
      // In a batch, each error names the element: `/3/category: ...` (and `/3` for the whole item).
      for (const e of problems) errors.push(batch.length === 1 ? e : `/${i}${e.startsWith('/:') ? e.slice(1) : e}`);
    });
    if (errors.length > 0) throw new EddyError('EDDY_INVALID_ITEM', { details: errors.slice(0, 100) });
    await this.options.log.append(records);
    return records.length;
  }

  /** Validates one item and queues its record; returns its problems (none when queued). */
  private itemProblems(raw: unknown, records: AppendRecord[]): readonly string[] {
    const checked = validateItem(raw);
    if (!checked.ok) return checked.errors;
    const value = Buffer.from(JSON.stringify(checked.value));
    if (value.length > this.maxRecordBytes) return [`/: is ${value.length} bytes, more than ${this.maxRecordBytes}`];
    records.push({ topic: this.options.topics.catalog, key: checked.value.content_id, value });
    return [];
  }
}
