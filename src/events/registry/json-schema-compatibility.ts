/**
 * Compatibility of two JSON Schemas by a small, documented rule set (docs/API.md, "Schema
 * registry"), not by Confluent's full JSON Schema rules. A reader schema R can read what a writer
 * schema W accepted when, at the top level and recursively in every property both declare and in
 * `items`:
 *
 * 1. `required`: R requires no property W does not require (a new required property, or an
 *    optional one made required, rejects documents W accepted without it).
 * 2. closed content: when R has `additionalProperties: false`, every property W declares is still
 *    declared in R (a property removed while additionalProperties is false rejects W's documents
 *    that hold it), and W is closed too (R closing what W left open rejects W's extra properties).
 * 3. `type`: no type narrowed; R's types include every type of W (`integer` counts as included in
 *    `number`; a schema without `type` allows every type).
 * 4. `enum`: when R has an enum, W has one and each of its values is in R's.
 * 5. boolean schemas: `true` is `{}`; R `false` reads nothing, W `false` wrote nothing.
 *
 * BACKWARD checks R = the new schema, W = the earlier version; FORWARD the other way round.
 * Keywords beyond these (patterns, bounds, `oneOf`, `$ref`) are not compared.
 */
import type { Direction } from './compatibility-level.ts';

export type JsonRule = 'became-required' | 'removed-while-closed' | 'closed' | 'type-narrowed' | 'enum-narrowed' | 'rejects-all';

export interface JsonProblem {
  readonly rule: JsonRule;
  /** Property path (`address.city`, `tags[]`); '' for the top level. */
  readonly path: string;
  /** The property concerned, for rules about one property of an object (`became-required`, ...). */
  readonly property?: string;
  readonly reader?: string;
  readonly writer?: string;
}

type Schema = Record<string, unknown>;

const asSchema = (s: unknown): Schema | false => (s === false ? false : s === true || s === undefined || s === null || typeof s !== 'object' ? {} : (s as Schema));
const typesOf = (s: Schema): string[] | undefined => (s.type === undefined ? undefined : Array.isArray(s.type) ? s.type.map(String) : [String(s.type)]);
const propertiesOf = (s: Schema): Schema => (s.properties !== null && typeof s.properties === 'object' ? (s.properties as Schema) : {});
const requiredOf = (s: Schema): string[] => (Array.isArray(s.required) ? s.required.map(String) : []);
const closed = (s: Schema) => s.additionalProperties === false;

/** The problems of reading documents valid under `writer` with `reader`: empty when it can. */
export function jsonReadProblems(reader: unknown, writer: unknown): JsonProblem[] {
  const out: JsonProblem[] = [];
  walk(asSchema(reader), asSchema(writer), '', out);
  return out;
}

function walk(r: Schema | false, w: Schema | false, path: string, out: JsonProblem[]): void {
  if (w === false) return;
  if (r === false) return void out.push({ rule: 'rejects-all', path });
  const join = (name: string) => (path === '' ? name : `${path}.${name}`);

  const rTypes = typesOf(r);
  const wTypes = typesOf(w);
  if (rTypes !== undefined) {
    const covered = (t: string) => rTypes.includes(t) || (t === 'integer' && rTypes.includes('number'));
    if (wTypes === undefined || !wTypes.every(covered)) out.push({ rule: 'type-narrowed', path, reader: rTypes.join('|'), writer: wTypes?.join('|') ?? 'any' });
  }
  if (Array.isArray(r.enum)) {
    const allowed = new Set(r.enum.map((v) => JSON.stringify(v)));
    const written = Array.isArray(w.enum) ? w.enum.map((v) => JSON.stringify(v)) : undefined;
    const lost = written === undefined ? ['(any value)'] : written.filter((v) => !allowed.has(v));
    if (lost.length > 0) out.push({ rule: 'enum-narrowed', path, writer: lost.join(', ') });
  }

  const wRequired = new Set(requiredOf(w));
  for (const name of requiredOf(r)) if (!wRequired.has(name)) out.push({ rule: 'became-required', path, property: name });
  const rProps = propertiesOf(r);
  const wProps = propertiesOf(w);
  if (closed(r)) {
    for (const name of Object.keys(wProps)) if (!Object.hasOwn(rProps, name)) out.push({ rule: 'removed-while-closed', path, property: name });
    if (!closed(w)) out.push({ rule: 'closed', path });
  }
  for (const name of Object.keys(rProps)) if (Object.hasOwn(wProps, name)) walk(asSchema(rProps[name]), asSchema(wProps[name]), join(name), out);
  if (r.items !== undefined && w.items !== undefined && !Array.isArray(r.items) && !Array.isArray(w.items)) walk(asSchema(r.items), asSchema(w.items), `${path}[]`, out);
}

/** One problem as a sentence naming the property and the rule (see avroProblemMessage for `other`). */
export function jsonProblemMessage(p: JsonProblem, direction: Direction, other: string): string {
  const at = p.path === '' ? 'the top level' : `\`${p.path}\``;
  const field = p.property === undefined ? at : `\`${p.path === '' ? p.property : `${p.path}.${p.property}`}\``;
  const [readerName, writerName] = direction === 'backward' ? ['the new schema', other] : [other, 'the new schema'];
  const who = `${readerName} rejects documents ${writerName} accepts`;
  switch (p.rule) {
    case 'became-required':
      return `property ${field} is required by ${readerName} but not by ${writerName}: ${who} without it`;
    case 'removed-while-closed':
      return `property ${field} is not declared by ${readerName}, whose additionalProperties is false: ${who} with it`;
    case 'closed':
      return `${at} has additionalProperties false in ${readerName} but not in ${writerName}: ${who} with other properties`;
    case 'type-narrowed': {
      const [older, newer] = direction === 'backward' ? [p.writer, p.reader] : [p.reader, p.writer];
      return `type of ${at} changed from ${older} to ${newer}, narrowing it: ${who}`;
    }
    case 'enum-narrowed':
      return `enum of ${at} in ${readerName} lacks ${p.writer}: ${who}`;
    case 'rejects-all':
      return `${at} is false in ${readerName}: ${who}`;
  }
}
