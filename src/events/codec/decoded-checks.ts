/**
 * What a record eddy encoded is still checked for when a processor decodes it. Ingest validated it
 * in full, so this is not a second validation: it is the few cheap checks that keep shared state
 * sound should a record with eddy's header come from elsewhere (anyone can write to a Kafka
 * topic): ids that become state keys are bounded, numbers that feed features are in range, and the
 * event time is checked against this instance's clock exactly as the JSON path checks it (a clock
 * set to 2031 must not move stream time; see event-time.ts).
 */
import { checkEventTime } from '../event-time.ts';
import { CONTENT_EVENT_TYPES, eventSchema, itemSchema, type CatalogItem } from '../schema.ts';
import { toEpochMs, type EventClock } from '../validate.ts';
import type { AcceptedEvent } from './event-record.ts';

const ID = eventSchema.properties.user_id;
const MAX_DWELL_MS = eventSchema.properties.dwell_ms.maximum;
const CATEGORY = itemSchema.properties.category;
const MAX_TAGS = itemSchema.properties.tags.maxItems;

const isId = (value: string): boolean => value.length >= ID.minLength && value.length <= ID.maxLength;
const idProblem = (field: string) => `/${field}: must be ${ID.minLength} to ${ID.maxLength} characters`;

/** The problem of a decoded event, as an error line naming the field; undefined when there is none. */
export function checkDecodedEvent(event: AcceptedEvent, clock: EventClock): string | undefined {
  if (!isId(event.user_id)) return idProblem('user_id');
  if (!isId(event.session_id)) return idProblem('session_id');
  if (event.event_id !== undefined && !isId(event.event_id)) return idProblem('event_id');
  if (event.content_id === undefined) {
    if (CONTENT_EVENT_TYPES.has(event.event_type)) return '/content_id: is required';
  } else if (!isId(event.content_id)) return idProblem('content_id');
  // `!(x >= 0)` is also true for NaN.
  if (event.dwell_ms !== undefined && !(event.dwell_ms >= 0 && event.dwell_ms <= MAX_DWELL_MS)) return `/dwell_ms: must be from 0 to ${MAX_DWELL_MS}`;
  const ts = toEpochMs(event.timestamp);
  if (ts === undefined) return '/timestamp: must be an RFC 3339 date-time string or epoch milliseconds';
  return checkEventTime(ts, clock.now(), clock.policy);
}

/** The problem of a decoded catalogue item, as an error line; undefined when there is none. */
export function checkDecodedItem(item: CatalogItem): string | undefined {
  if (!isId(item.content_id)) return idProblem('content_id');
  if (item.category !== undefined && !(item.category.length >= CATEGORY.minLength && item.category.length <= CATEGORY.maxLength)) {
    return `/category: must be ${CATEGORY.minLength} to ${CATEGORY.maxLength} characters`;
  }
  if (item.tags !== undefined && item.tags.length > MAX_TAGS) return `/tags: must have at most ${MAX_TAGS} items`;
  return undefined;
}
