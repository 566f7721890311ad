/**
 * The Avro schemas of eddy's own records, v1 of the event and of the catalogue item (their fields
 * are those of the JSON Schemas in ../schema.ts). Fixed-size and required fields come first, so
 * that `ingested_at` sits at a fixed offset right after the wire-format header (commit metrics read
 * freshness there without decoding). Fields the JSON Schema leaves open (`additionalProperties`)
 * travel in `extra`, so a record decodes to exactly the event that was accepted.
 */
import { DEVICE_TYPES, EVENT_TYPES } from '../schema.ts';
import { JSON_VALUE_SCHEMA } from './json-value.ts';

const optional = (type: unknown) => ({ type: ['null', type], default: null });

export const EVENT_V1_AVRO = {
  type: 'record',
  name: 'InteractionEvent',
  namespace: 'eddy.v1',
  fields: [
    // When eddy's ingest accepted the event (epoch ms); a double, so that it is 8 bytes at offset 5.
    // Its default (0: not ingested by eddy) lets other producers' schemas leave it out.
    { name: 'ingested_at', type: 'double', default: 0 },
    { name: 'user_id', type: 'string' },
    { name: 'session_id', type: 'string' },
    // As sent: epoch milliseconds (an integer) or the RFC 3339 string.
    { name: 'timestamp', type: ['long', 'string'] },
    { name: 'event_type', type: { type: 'enum', name: 'EventType', symbols: [...EVENT_TYPES] } },
    { name: 'event_id', ...optional('string') },
    { name: 'content_id', ...optional('string') },
    { name: 'device_type', ...optional({ type: 'enum', name: 'DeviceType', symbols: [...DEVICE_TYPES] }) },
    { name: 'location', ...optional('string') },
    { name: 'dwell_ms', ...optional('double') },
    { name: 'timezone', ...optional('string') },
    { name: 'properties', ...optional({ type: 'map', values: JSON_VALUE_SCHEMA }) },
    { name: 'extra', type: { type: 'map', values: 'JsonValue' }, default: {} },
  ],
};

export const ITEM_V1_AVRO = {
  type: 'record',
  name: 'CatalogItem',
  namespace: 'eddy.v1',
  fields: [
    { name: 'content_id', type: 'string' },
    { name: 'category', ...optional('string') },
    { name: 'tags', ...optional({ type: 'array', items: 'string' }) },
    { name: 'published_at', type: ['null', 'long', 'string'], default: null },
    { name: 'title', ...optional('string') },
    { name: 'properties', ...optional({ type: 'map', values: JSON_VALUE_SCHEMA }) },
    { name: 'extra', type: { type: 'map', values: 'JsonValue' }, default: {} },
  ],
};

/**
 * eddy's internal item update (src/pipeline/item-update.ts), which the user side of the topology
 * sends to the item side through content_clicks: one flat record for both kinds, the fields a
 * kind does not have null.
 */
export const ITEM_UPDATE_V1_AVRO = {
  type: 'record',
  name: 'ItemUpdate',
  namespace: 'eddy.v1',
  fields: [
    { name: 'k', type: { type: 'enum', name: 'ItemUpdateKind', symbols: ['count', 'pair'] } },
    { name: 'item', type: 'string' },
    { name: 'type', ...optional({ type: 'enum', name: 'EventType', symbols: [...EVENT_TYPES] }) },
    { name: 'ts', ...optional('long') },
    { name: 'cat', ...optional('string') },
    { name: 'other', ...optional('string') },
    { name: 'w', ...optional('double') },
  ],
};
