/**
 * Any JSON value as Avro, for the open parts of a record (`properties`, and top-level fields
 * beyond schema v1): a recursive record `JsonValue {v: null | boolean | double | string |
 * array<JsonValue> | map<JsonValue>}`, plain Avro that any reader can decode. A logical type
 * unwraps it, so the decoded value is the JSON value itself, and on the way in it follows
 * `JSON.stringify` exactly (toJSON, undefined and functions dropped from objects and null in
 * arrays, non-finite numbers null, -0 written 0): what decodes is what `JSON.parse` of the JSON the
 * same record would have been gives back.
 */
import avro from 'avsc';

export const JSON_VALUE_LOGICAL_TYPE = 'eddy-json';

/** The named type, defined at its first use in a schema and referred to as `JsonValue` after it. */
export const JSON_VALUE_SCHEMA = {
  type: 'record',
  name: 'JsonValue',
  logicalType: JSON_VALUE_LOGICAL_TYPE,
  fields: [{ name: 'v', type: ['null', 'boolean', 'double', 'string', { type: 'array', items: 'JsonValue' }, { type: 'map', values: 'JsonValue' }] }],
} as const;

/** True for the values `JSON.stringify` leaves out of an object (and writes null for in an array). */
export function isOmittedInJson(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** One level of a value as `JSON.stringify` would see it; nested values are handled as they are written. */
export function jsonOf(value: unknown): unknown {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'bigint':
      throw new TypeError('a BigInt has no JSON form');
    case 'object':
      if (v === null || Array.isArray(v)) return v;
      return withoutOmitted(v as Record<string, unknown>);
    default:
      return null; // undefined, a function or a symbol
  }
}

/** The object itself when JSON would keep all its keys, else a copy without the ones it drops. */
function withoutOmitted(object: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(object);
  let i = 0;
  while (i < keys.length && !isOmittedInJson(object[keys[i]])) i++;
  if (i === keys.length) return object;
  const copy: Record<string, unknown> = {};
  for (const key of keys) if (!isOmittedInJson(object[key])) copy[key] = object[key];
  return copy;
}

const NO_EXTRA: Record<string, unknown> = Object.freeze({});

/** The keys of a record that are not schema fields (the open top level), with the values JSON would keep. */
export function extraOf(source: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
  let extra = NO_EXTRA;
  for (const key in source) {
    if (fields.has(key) || !Object.hasOwn(source, key) || isOmittedInJson(source[key])) continue;
    if (extra === NO_EXTRA) extra = {};
    extra[key] = source[key];
  }
  return extra;
}

/** Properties as JSON would keep them (toJSON, omitted values); an object, or the event is not encodable. */
export function propertiesOf(value: unknown): Record<string, unknown> | null {
  if (value === undefined) return null;
  const json = jsonOf(value);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError('/properties: has no JSON object form');
  return json as Record<string, unknown>;
}

/** The logical type that unwraps `JsonValue` records (registered as `eddy-json`). */
export class JsonValueType extends avro.types.LogicalType {
  protected override _fromValue(record: { v: unknown }): unknown {
    return record.v;
  }

  protected override _toValue(value: unknown): { v: unknown } {
    return { v: jsonOf(value) };
  }

  // Reading another schema version's JSON values (through a resolver): they decode as they are.
  protected override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    return type instanceof JsonValueType ? (value) => value : undefined;
  }
}
