/**
 * eddy's binary records: events and catalogue items validated once at ingest and written as Avro
 * in the Confluent wire format, so that a processor decodes them without JSON.parse and without a
 * second validation. A record is eddy's when its first byte is the magic byte 0; anything else
 * (JSON from other producers, dead-letter replays) takes the JSON path.
 */
export { isWireFormat, MAGIC_BYTE, HEADER_BYTES } from './wire-format.ts';
export { EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID, ITEM_UPDATE_V1_SCHEMA_ID, ITEM_UPDATE_TYPE, KnownSchemas, knownSchemas, type RecordKind, type SchemaKind } from './known-schemas.ts';
export { EVENT_V1_AVRO, ITEM_UPDATE_V1_AVRO, ITEM_V1_AVRO } from './schemas.ts';
export { encodeBody, decodeBody } from './record-body.ts';
export { encodeEventRecord, decodeEventRecord, ingestedAtOf, type AcceptedEvent } from './event-record.ts';
export { encodeItemRecord, decodeItemRecord } from './item-record.ts';
export { checkDecodedEvent, checkDecodedItem } from './decoded-checks.ts';
