/**
 * An accepted interaction event as a wire-format record (schema id EVENT_V1_SCHEMA_ID), and back.
 * The decoded event is a plain object with exactly the keys the JSON record ingest used to write
 * would have parsed to: absent optional fields are absent (not null), fields beyond schema v1 are
 * top-level keys again.
 */
import type { InteractionEvent } from '../schema.ts';
import { extraOf, propertiesOf } from './json-value.ts';
import { EVENT_V1_SCHEMA_ID, READER_TYPES, type KnownSchemas } from './known-schemas.ts';
import { decodeBody, encodeBody } from './record-body.ts';
import { EVENT_V1_AVRO } from './schemas.ts';
import { HEADER_BYTES, MAGIC_BYTE } from './wire-format.ts';

/** An event as ingest accepted it: valid, stamped with the wall-clock time it was accepted at. */
export type AcceptedEvent = InteractionEvent & { ingested_at: number; [extra: string]: unknown };

/** The reader shape: every field present, null when absent. */
interface EventBody {
  ingested_at: number;
  user_id: string;
  session_id: string;
  timestamp: number | string;
  event_type: InteractionEvent['event_type'];
  event_id: string | null;
  content_id: string | null;
  device_type: NonNullable<InteractionEvent['device_type']> | null;
  location: string | null;
  dwell_ms: number | null;
  timezone: string | null;
  properties: Record<string, unknown> | null;
  extra: Record<string, unknown>;
}

/** The schema's own field names: never taken from `extra`, so it cannot shadow them. */
const FIELDS: ReadonlySet<string> = new Set(EVENT_V1_AVRO.fields.map((f) => f.name));

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** JSON writes -0 as 0; so does the record, so that both decode to the same value. */
const number = (value: number | undefined): number | null => (value === undefined ? null : value === 0 ? 0 : value);

/**
 * The wire-format record of an accepted event. Throws (a TypeError, or avsc's invalid-value error)
 * for a value with no faithful encoding; a validated event always has one.
 */
export function encodeEventRecord(event: AcceptedEvent): Buffer {
  const body: EventBody = {
    ingested_at: event.ingested_at,
    user_id: event.user_id,
    session_id: event.session_id,
    timestamp: typeof event.timestamp === 'number' ? number(event.timestamp)! : event.timestamp,
    event_type: event.event_type,
    event_id: orNull(event.event_id),
    content_id: orNull(event.content_id),
    device_type: orNull(event.device_type),
    location: orNull(event.location),
    dwell_ms: number(event.dwell_ms),
    timezone: orNull(event.timezone),
    properties: propertiesOf(event.properties),
    extra: extraOf(event, FIELDS),
  };
  return encodeBody(READER_TYPES.event, EVENT_V1_SCHEMA_ID, body);
}

/** The event of a wire-format record; EDDY_UNKNOWN_SCHEMA_ID or EDDY_CORRUPT_RECORD when it has none. */
export function decodeEventRecord(bytes: Buffer, schemas?: KnownSchemas): AcceptedEvent {
  const body = decodeBody(bytes, 'event', schemas) as EventBody;
  const event = {} as AcceptedEvent;
  // Fields beyond v1 first, the schema's after them (a forged `extra` cannot replace a checked field).
  for (const key in body.extra) if (!FIELDS.has(key)) event[key] = body.extra[key];
  event.user_id = body.user_id;
  event.session_id = body.session_id;
  event.timestamp = body.timestamp;
  event.event_type = body.event_type;
  if (body.event_id !== null) event.event_id = body.event_id;
  if (body.content_id !== null) event.content_id = body.content_id;
  if (body.device_type !== null) event.device_type = body.device_type;
  if (body.location !== null) event.location = body.location;
  if (body.dwell_ms !== null) event.dwell_ms = body.dwell_ms;
  if (body.timezone !== null) event.timezone = body.timezone;
  if (body.properties !== null) event.properties = body.properties;
  event.ingested_at = body.ingested_at;
  return event;
}

/**
 * `ingested_at` of an event record without decoding it (it is the first field, a double), for
 * freshness metrics; undefined for anything else.
 */
export function ingestedAtOf(bytes: Buffer): number | undefined {
  if (bytes.length < HEADER_BYTES + 8 || bytes[0] !== MAGIC_BYTE || bytes.readUInt32BE(1) !== EVENT_V1_SCHEMA_ID) return undefined;
  return bytes.readDoubleLE(HEADER_BYTES);
}
