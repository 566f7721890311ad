/**
 * A schema as a client sends it (`{schema, schemaType?, references?}`), checked and brought to its
 * canonical text: the JSON re-serialized without white space, so that the same schema sent twice,
 * however formatted, is the same schema (and gets the same global id). Avro schemas are parsed by
 * avsc, JSON Schemas compiled by Ajv (draft-07 by default; 2019-09 and 2020-12 when `$schema`
 * says so). Errors are 42201 naming the field.
 */
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import avro from 'avsc';
import { invalidSchema } from './registry-errors.ts';
import type { SchemaType } from './registry-records.ts';

export interface SchemaInput {
  readonly schema?: unknown;
  readonly schemaType?: unknown;
  readonly references?: unknown;
}

export interface ParsedSchema {
  readonly schemaType: SchemaType;
  /** The text stored, compared and returned. */
  readonly canonical: string;
  readonly json: unknown;
  /** The Avro type (plain avsc, no eddy hooks), for AVRO schemas. */
  readonly avro: avro.Type | undefined;
}

/** Where an error is reported: the subject and the version the schema would be (when known). */
export interface SchemaContext {
  readonly subject: string | null;
  readonly version?: number;
}

/** The input checked; throws 42201 (EDDY_INVALID_SCHEMA) naming what is wrong. */
export function parseSchemaInput(input: SchemaInput, where: SchemaContext): ParsedSchema {
  const fail = (problem: string) => invalidSchema(where.subject, problem, where.version);
  const schemaType = input.schemaType ?? 'AVRO';
  if (schemaType !== 'AVRO' && schemaType !== 'JSON') {
    throw fail(`schemaType ${JSON.stringify(schemaType)} is not supported (AVRO or JSON)`);
  }
  if (input.references !== undefined && !(Array.isArray(input.references) && input.references.length === 0)) {
    throw fail('schema references are not supported by this registry');
  }
  if (typeof input.schema !== 'string' || input.schema.trim() === '') throw fail('field `schema`: is required and must be a non-empty string');
  return parseSchemaText(schemaType, input.schema, fail);
}

/** A stored schema again (its text was checked when it was registered). */
export function parseStoredSchema(schemaType: SchemaType, text: string): ParsedSchema {
  return parseSchemaText(schemaType, text, (problem) => invalidSchema(null, problem));
}

function parseSchemaText(schemaType: SchemaType, text: string, fail: (problem: string) => Error): ParsedSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Avro allows a bare primitive name ("string") where JSON would need quotes.
    if (schemaType === 'AVRO' && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) json = text.trim();
    else throw fail(`field \`schema\`: is not valid JSON (${(error as Error).message})`);
  }
  const canonical = JSON.stringify(json);
  if (schemaType === 'AVRO') return { schemaType, canonical, json, avro: avroTypeOf(json, fail) };
  checkJsonSchema(json, fail);
  return { schemaType, canonical, json, avro: undefined };
}

function avroTypeOf(json: unknown, fail: (problem: string) => Error): avro.Type {
  try {
    return avro.Type.forSchema(json as avro.Schema);
  } catch (error) {
    throw fail(locateAvroProblem(json, (error as Error).message));
  }
}

/**
 * Names the field of a record schema that avsc refused: the first prefix of the fields list that
 * fails to parse ends with it. A problem outside the fields (the record's own name) is avsc's.
 */
function locateAvroProblem(json: unknown, message: string): string {
  const record = json as { fields?: unknown };
  if (record === null || typeof record !== 'object' || !Array.isArray(record.fields)) return message;
  const fields = record.fields as unknown[];
  try {
    avro.Type.forSchema({ ...(record as object), fields: [] } as unknown as avro.Schema);
  } catch {
    return message;
  }
  for (let i = 0; i < fields.length; i++) {
    try {
      avro.Type.forSchema({ ...(record as object), fields: fields.slice(0, i + 1) } as unknown as avro.Schema);
    } catch (error) {
      const name = (fields[i] as { name?: unknown } | null)?.name;
      return `field \`${typeof name === 'string' ? name : `#${i + 1}`}\`: ${(error as Error).message}`;
    }
  }
  return message;
}

/** Compiles the JSON Schema with a fresh Ajv (its `$id` must not clash with another schema's). */
function checkJsonSchema(json: unknown, fail: (problem: string) => Error): void {
  if (typeof json !== 'boolean' && (json === null || typeof json !== 'object' || Array.isArray(json))) {
    throw fail('field `schema`: a JSON Schema is an object or a boolean');
  }
  const draft = typeof json === 'object' ? String((json as { $schema?: unknown }).$schema ?? '') : '';
  const options = { strict: false, allErrors: true, validateFormats: false };
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  try {
    ajv.compile(json as object);
  } catch (error) {
    const message = (error as Error).message;
    const field = /properties\/([^/\s,]+)/.exec(message)?.[1];
    throw fail(field === undefined ? message : `field \`${field}\`: ${message}`);
  }
}
