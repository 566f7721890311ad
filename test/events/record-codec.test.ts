// eddy's binary records (src/events/codec): any valid event or item round-trips to exactly what the
// JSON record ingest used to write parses to; the header is the Confluent wire format; an unknown
// schema id, a truncated body or a forged one is an EddyError with a code, never a hang or a
// polluted object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import fc from 'fast-check';
import {
  decodeEventRecord,
  decodeItemRecord,
  encodeEventRecord,
  encodeItemRecord,
  EVENT_V1_AVRO,
  EVENT_V1_SCHEMA_ID,
  ingestedAtOf,
  ITEM_V1_SCHEMA_ID,
  KnownSchemas,
  type AcceptedEvent,
} from '../../src/events/codec/index.ts';
import { EddyError } from '../../src/errors.ts';
import { avroType } from '../../src/events/codec/known-schemas.ts';
import { checkInput, RESERVED_KEYS } from '../../src/events/json-input.ts';
import { CONTENT_EVENT_TYPES, DEVICE_TYPES, EVENT_TYPES, type CatalogItem } from '../../src/events/schema.ts';
import { validateEvent, validateItem } from '../../src/events/validate.ts';

const KNOWN_EVENT_KEYS = new Set(EVENT_V1_AVRO.fields.map((f) => f.name));

/** What the processor's JSON path saw for the same accepted value: its JSON, parsed. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((k) => !RESERVED_KEYS.has(k));
const id = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const json = fc.jsonValue({ maxDepth: 4 });
const timestamp = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
  fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2030, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-11-28T10:00:00+02:00', '2026-11-28T10:00:00.123456Z', '2026-11-28t10:00:00z'),
);

const eventArb = fc
  .record(
    {
      event_id: id,
      user_id: id,
      session_id: id,
      timestamp,
      event_type: fc.constantFrom(...EVENT_TYPES),
      content_id: id,
      device_type: fc.constantFrom(...DEVICE_TYPES),
      location: fc.constantFrom('DE', 'DE-BE', 'US-CA', 'FR-75C'),
      dwell_ms: fc.oneof(fc.double({ min: 0, max: 86_400_000, noNaN: true }), fc.constant(-0), fc.nat({ max: 86_400_000 })),
      timezone: fc.constantFrom('Europe/Berlin', 'UTC', 'Nowhere/Atlantis'),
      properties: fc.dictionary(key, json, { maxKeys: 6 }),
    },
    { requiredKeys: ['user_id', 'session_id', 'timestamp', 'event_type'] },
  )
  .chain((event) =>
    // Fields beyond v1 (request_id, a producer's own): the JSON Schema lets them through.
    fc.dictionary(key.filter((k) => !KNOWN_EVENT_KEYS.has(k)), json, { maxKeys: 3 }).map((extra) => ({ ...extra, ...event })),
  )
  .filter((e) => validateEvent(e).ok && checkInput(e).length === 0);

const itemArb = fc
  .record(
    {
      content_id: id,
      category: fc.string({ minLength: 1, maxLength: 20 }),
      tags: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
      published_at: timestamp,
      title: fc.string({ unit: 'binary', maxLength: 50 }),
      properties: fc.dictionary(key, json, { maxKeys: 4 }),
      brand: fc.string(),
    },
    { requiredKeys: ['content_id'] },
  )
  .filter((i) => validateItem(i).ok && checkInput(i).length === 0);

const accepted = (event: object, ingestedAt = 1_764_324_000_123): AcceptedEvent => ({ ...(event as AcceptedEvent), ingested_at: ingestedAt });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EddyError, `an EddyError, not ${String(error)}`);
    assert.match(String(error.details[0]), /^\/[^:]*: /, 'the detail names the field');
    return error.code;
  }
  return 'no error';
}

const sample: AcceptedEvent = accepted({ event_id: 'e-1', user_id: 'u1', session_id: 's1', timestamp: '2026-11-28T10:00:00.000Z', event_type: 'click', content_id: 'c42', device_type: 'mobile', location: 'DE-BE', dwell_ms: 5300, properties: {} });

describe('record codec', () => {
  it('round-trips any valid event to exactly what its JSON parses to', () => {
    fc.assert(
      fc.property(eventArb, fc.integer({ min: 0, max: 2 ** 45 }), (event, ingestedAt) => {
        const value = accepted(event, ingestedAt);
        assert.deepStrictEqual(decodeEventRecord(encodeEventRecord(value)), viaJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any valid catalogue item to exactly what its JSON parses to', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        assert.deepStrictEqual(decodeItemRecord(encodeItemRecord(item as CatalogItem)), viaJson(item));
      }),
      { numRuns: 300 },
    );
  });

  it('writes what JSON.stringify would: toJSON, undefined dropped from objects and null in arrays, -0 as 0', () => {
    const value = accepted({ ...sample, content_id: undefined, event_type: 'session_start', dwell_ms: -0, properties: { at: new Date(0), gone: undefined, list: [undefined, () => 1, -0, Number.NaN] }, extra: undefined });
    const decoded = decodeEventRecord(encodeEventRecord(value));
    assert.deepStrictEqual(decoded, viaJson(value));
    assert.ok(Object.is(decoded.dwell_ms, 0));
    assert.equal('content_id' in decoded, false);
  });

  it('frames the body in the Confluent wire format: magic byte 0, schema id big-endian, plain Avro any reader decodes', () => {
    const bytes = encodeEventRecord(sample);
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readUInt32BE(1), EVENT_V1_SCHEMA_ID);
    assert.equal(encodeItemRecord({ content_id: 'c1' }).readUInt32BE(1), ITEM_V1_SCHEMA_ID);
    // A reader that knows nothing of eddy's logical type reads the same fields.
    const plain = avro.Type.forSchema(EVENT_V1_AVRO as avro.Schema).fromBuffer(bytes.subarray(5));
    assert.equal(plain.user_id, 'u1');
    assert.equal(plain.timestamp, '2026-11-28T10:00:00.000Z');
    assert.equal(plain.ingested_at, sample.ingested_at);
    assert.ok(bytes.length < Buffer.byteLength(JSON.stringify(sample)) / 2, `${bytes.length} bytes`);
    assert.equal(ingestedAtOf(bytes), sample.ingested_at, 'freshness reads ingested_at without decoding');
    assert.equal(ingestedAtOf(Buffer.from(JSON.stringify(sample))), undefined);
  });

  it('an unknown schema id is EDDY_UNKNOWN_SCHEMA_ID; a registry can make it known', () => {
    const bytes = Buffer.from(encodeEventRecord(sample));
    bytes.writeUInt32BE(4711, 1);
    assert.equal(codeOf(() => decodeEventRecord(bytes)), 'EDDY_UNKNOWN_SCHEMA_ID');
    const schemas = new KnownSchemas();
    schemas.register(4711, 'event', EVENT_V1_AVRO);
    assert.deepStrictEqual(decodeEventRecord(bytes, schemas), viaJson(sample));
    // A record of the other kind is not taken for this one.
    assert.equal(codeOf(() => decodeItemRecord(encodeEventRecord(sample))), 'EDDY_CORRUPT_RECORD');
  });

  it('an older writer schema (no timezone, no extra) is read through a resolver', () => {
    const older = { ...EVENT_V1_AVRO, fields: EVENT_V1_AVRO.fields.filter((f) => f.name !== 'timezone' && f.name !== 'extra') };
    const writer = avroType(older);
    const body = writer.toBuffer({ ...sample, event_id: 'e-1', timestamp: 1_764_324_000_000, content_id: 'c42', device_type: null, location: null, dwell_ms: null, properties: null });
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), body]);
    const schemas = new KnownSchemas();
    schemas.register(9, 'event', older);
    assert.deepStrictEqual(decodeEventRecord(bytes, schemas), { user_id: 'u1', session_id: 's1', timestamp: 1_764_324_000_000, event_type: 'click', event_id: 'e-1', content_id: 'c42', ingested_at: sample.ingested_at });
    assert.equal(codeOf(() => schemas.register(10, 'event', { type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] })), 'EDDY_SCHEMA_INCOMPATIBLE');
  });

  it('every truncation of a record, and trailing bytes, are EDDY_CORRUPT_RECORD', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const bytes = encodeEventRecord(accepted(event));
        for (let n = 0; n < bytes.length; n++) assert.equal(codeOf(() => decodeEventRecord(bytes.subarray(0, n))), 'EDDY_CORRUPT_RECORD', `first ${n} of ${bytes.length} bytes`);
        assert.equal(codeOf(() => decodeEventRecord(Buffer.concat([bytes, Buffer.from([0])]))), 'EDDY_CORRUPT_RECORD');
      }),
      { numRuns: 50 },
    );
  });

  it('corrupt bytes decode to an event or an EddyError, nothing else', () => {
    fc.assert(
      fc.property(eventArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (event, flips) => {
        const bytes = Buffer.from(encodeEventRecord(accepted(event)));
        for (const [at, value] of flips) bytes[5 + (at % (bytes.length - 5))] = value;
        try {
          decodeEventRecord(bytes);
        } catch (error) {
          assert.ok(error instanceof EddyError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });

  // A valid event with empty properties ends in: properties union branch 1 (0x02), its map's end
  // (0x00), extra's end (0x00). Forgeries replace the last two bytes.
  const head = (() => {
    const bytes = encodeEventRecord(accepted({ ...sample, properties: {} }));
    assert.deepEqual([...bytes.subarray(-3)], [0x02, 0x00, 0x00]);
    return bytes.subarray(0, -2);
  })();
  const forged = (...tail: number[][]) => Buffer.concat([head, Buffer.from(tail.flat())]);

  it('a forged block count beyond the record is refused at once, not looped over', () => {
    const t0 = performance.now();
    // zig-zag varint of 2^31 entries, then almost nothing
    assert.equal(codeOf(() => decodeEventRecord(forged([0x80, 0x80, 0x80, 0x80, 0x10], [0x02, 0x61, 0x00]))), 'EDDY_CORRUPT_RECORD');
    assert.ok(performance.now() - t0 < 100);
  });

  it('forged nesting beyond the input limit and reserved keys are refused', () => {
    const level = [0x02, 0x02, 0x61, 0x0a]; // one map entry "a" whose value is a map
    const deep = (n: number) => forged(...Array.from({ length: n }, () => level), [0x02, 0x02, 0x61, 0x00, 0x00], Array.from({ length: n }, () => 0x00), [0x00]);
    assert.deepEqual(decodeEventRecord(deep(2)).properties, { a: { a: { a: null } } });
    assert.equal(codeOf(() => decodeEventRecord(deep(5000))), 'EDDY_CORRUPT_RECORD');
    const proto = [...Buffer.from('__proto__')];
    // properties {"__proto__": {"polluted": true}}
    const polluting = forged([0x02, 0x12, ...proto, 0x0a, 0x02, 0x10, ...Buffer.from('polluted'), 0x02, 0x01, 0x00, 0x00], [0x00]);
    assert.equal(codeOf(() => decodeEventRecord(polluting)), 'EDDY_CORRUPT_RECORD');
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('a forged extra cannot shadow a schema field', () => {
    // extra {"user_id": 7}: a JsonValue double
    const double = Buffer.alloc(8);
    double.writeDoubleLE(7);
    const bytes = Buffer.concat([head, Buffer.from([0x00, 0x02, 0x0e, ...Buffer.from('user_id'), 0x04, ...double, 0x00])]);
    const event = decodeEventRecord(bytes);
    assert.equal(event.user_id, 'u1');
  });

  it('a value with no JSON form is refused at encoding', () => {
    assert.throws(() => encodeEventRecord(accepted({ ...sample, properties: { n: 1n } })), TypeError);
    assert.ok(validateEvent(sample).ok && CONTENT_EVENT_TYPES.has(sample.event_type));
  });
});
