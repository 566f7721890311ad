/**
 * The v1 event and catalogue-item schemas of API.md, as JSON Schema (the single source: validators,
 * the OpenAPI document and the schema registry's first version are all derived from these).
 */

export const EVENT_TYPES = ['view', 'click', 'like', 'share', 'dwell', 'session_start', 'session_end'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event types that are about one piece of content and so need `content_id`. */
export const CONTENT_EVENT_TYPES: ReadonlySet<EventType> = new Set(['view', 'click', 'like', 'share', 'dwell']);

export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'tv', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** An interaction event as producers send it (schema version 1). */
export interface InteractionEvent {
  event_id?: string;
  user_id: string;
  session_id: string;
  /** RFC 3339 string or epoch milliseconds. */
  timestamp: string | number;
  event_type: EventType;
  content_id?: string;
  device_type?: DeviceType;
  /** ISO 3166 code, e.g. `DE` or `DE-BE`. */
  location?: string;
  dwell_ms?: number;
  /** IANA time zone of the user, used for time-of-day enrichment when present. */
  timezone?: string;
  properties?: Record<string, unknown>;
}

/** A catalogue item. */
export interface CatalogItem {
  content_id: string;
  category?: string;
  tags?: string[];
  /** RFC 3339 string or epoch milliseconds. */
  published_at?: string | number;
  title?: string;
  properties?: Record<string, unknown>;
}

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const eventSchema = {
  $id: 'eddy/event/v1',
  title: 'InteractionEvent',
  type: 'object',
  required: ['user_id', 'session_id', 'timestamp', 'event_type'],
  properties: {
    event_id: id,
    user_id: id,
    session_id: id,
    timestamp: {
      anyOf: [
        { type: 'string', format: 'date-time' },
        // The largest epoch milliseconds a Date can hold (year 275760).
        { type: 'integer', minimum: 0, maximum: 8.64e15 },
      ],
    },
    event_type: { type: 'string', enum: EVENT_TYPES },
    content_id: id,
    device_type: { type: 'string', enum: DEVICE_TYPES },
    location: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' },
    // A day at most: longer is a clock or unit mistake, and it would swamp dwell-weighted features.
    dwell_ms: { type: 'number', minimum: 0, maximum: 86_400_000 },
    timezone: { type: 'string', maxLength: 64 },
    properties: { type: 'object' },
  },
  // Content events need the content they are about (API.md).
  if: { properties: { event_type: { enum: [...CONTENT_EVENT_TYPES] } } },
  then: { required: ['content_id'] },
  additionalProperties: true,
} as const;

export const itemSchema = {
  $id: 'eddy/item/v1',
  title: 'CatalogItem',
  type: 'object',
  required: ['content_id'],
  properties: {
    content_id: id,
    category: { type: 'string', minLength: 1, maxLength: 128 },
    tags: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 64 },
    published_at: {
      anyOf: [
        { type: 'string', format: 'date-time' },
        { type: 'integer', minimum: 0, maximum: 8.64e15 },
      ],
    },
    title: { type: 'string', maxLength: 1024 },
    properties: { type: 'object' },
  },
  additionalProperties: true,
} as const;
