/**
 * Ingest: validates a batch of events, de-duplicates by event_id, appends the valid ones to the log
 * (durable before it answers) and the invalid ones to the dead-letter topic with their reasons.
 * One invalid event never takes a valid one of the same batch down with it. Accepted events and
 * items are written as binary records (src/events/codec): validated here once, so the processor
 * decodes them without parsing or validating them again.
 */
import { EddyError } from '../errors.ts';
import { DEFAULT_EVENT_TIME, type EventTimePolicy } from '../events/event-time.ts';
import { encodeEventRecord, encodeItemRecord } from '../events/codec/index.ts';
import type { IngestResult, Rejection } from '../events/ingest-result.ts';
import { checkInput, DEFAULT_INPUT_LIMITS, previewOf, RejectedInput } from '../events/json-input.ts';
import { validateEvent, validateItem, type EventClock } from '../events/validate.ts';
import type { AppendRecord, Log } from '../log/types.ts';
import { writesJson, type TopicFormats } from '../events/codec/topic-format.ts';
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
  /** The record format of each input topic: a `json` topic gets JSON, the others the wire format. */
  readonly topicFormats?: TopicFormats;
}

/** How a batch was decoded. */
export interface BatchSource {
  /**
   * The inputs come from json-input.ts's decoders (HTTP bodies), which applied the input limits
   * already. Otherwise ingest applies them: the processor reads binary records without checking
   * them again, so what it would have refused as JSON must be refused here.
   */
  readonly limitsChecked?: boolean;
}

/** Why a value that passed validation has no record (a BigInt, say): an error line. */
function unencodable(error: unknown): string {
  return `/: has no binary encoding (${String((error as Error)?.message ?? error).slice(0, 200)})`;
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
  async events(batch: readonly unknown[], source: BatchSource = {}): Promise<IngestResult> {
    this.options.admit?.();
    const { topics } = this.options;
    const records: AppendRecord[] = [];
    const rejected: Rejection[] = [];
    const deadLetters: AppendRecord[] = [];
    const ingestedAt = this.now();
    const jsonEvents = writesJson('user_interactions', this.options.topicFormats ?? {});
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
      const problems = this.limitProblems(raw, source);
      if (problems.length > 0) return reject(index, raw, problems);
      const checked = validateEvent(raw, this.clock);
      if (!checked.ok) return reject(index, raw, checked.errors);
      const event = checked.value;
      let value: Buffer;
      try {
        // `ingested_at` last: commit metrics find it at the end without parsing (commit-metrics.ts).
        value = jsonEvents ? Buffer.from(JSON.stringify({ ...event, ingested_at: ingestedAt })) : encodeEventRecord({ ...event, ingested_at: ingestedAt });
      } catch (error) {
        return reject(index, raw, [unencodable(error)]);
      }
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
  async items(batch: readonly unknown[], source: BatchSource = {}): Promise<number> {
    const errors: string[] = [];
    const records: AppendRecord[] = [];
    batch.forEach((raw, i) => {
      const limits = this.limitProblems(raw, source);
      const problems = limits.length > 0 ? limits : this.itemProblems(raw, records);
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
    let value: Buffer;
    try {
      value = writesJson('content_catalog', this.options.topicFormats ?? {}) ? Buffer.from(JSON.stringify(checked.value)) : encodeItemRecord(checked.value);
    } catch (error) {
      return [unencodable(error)];
    }
    if (value.length > this.maxRecordBytes) return [`/: is ${value.length} bytes, more than ${this.maxRecordBytes}`];
    records.push({ topic: this.options.topics.catalog, key: checked.value.content_id, value });
    return [];
  }

  /** The input limits' problems with one input (none when the decoder applied them already). */
  private limitProblems(raw: unknown, source: BatchSource): readonly string[] {
    if (source.limitsChecked === true || raw instanceof RejectedInput) return [];
    return checkInput(raw);
  }
}
