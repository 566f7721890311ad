/**
 * Whether one Avro schema reads data written with another, and if not why, field by field.
 * The verdict is avsc's (`reader.createResolver(writer)` throws when it cannot read; namespaces
 * ignored, as Avro's own SchemaCompatibility compares unqualified names), together with a walk of
 * the two schemas by the Avro spec's resolution rules that names each field that breaks a rule
 * (avsc stops at its first problem and names no path). https://avro.apache.org/docs/1.11.1/specification/#schema-resolution
 *
 * Rules walked: a reader field missing from the writer needs a default (matched by name or by the
 * reader field's aliases); a type must be the same or a promotion (int to long, float, double;
 * long to float, double; float to double; string and bytes); named types keep their name (or the
 * reader aliases the writer's); enums keep every symbol (unless the reader has a default); fixed
 * types keep their size; every branch of a writer union must be readable; arrays and maps by
 * their items and values.
 */
import avro from 'avsc';
import type { Direction } from './compatibility-level.ts';

export type AvroRule = 'missing-default' | 'type-changed' | 'enum-symbols' | 'name-changed' | 'fixed-size' | 'unreadable';

/** One broken rule, from the reader's side: `reader` cannot read what `writer` wrote at `path`. */
export interface AvroProblem {
  readonly rule: AvroRule;
  /** Field path from the top record (`address.city`, `tags[]`, `scores{}`); '' for the top level. */
  readonly path: string;
  readonly reader: string;
  readonly writer: string;
  /** The enum symbols the reader lacks; avsc's message for `unreadable`. */
  readonly detail?: string;
}

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

type AnyType = avro.Type & {
  typeName: string;
  name?: string;
  aliases?: string[];
  types?: AnyType[];
  fields?: (avro.types.Field & { type: AnyType; aliases: string[] })[];
  itemsType?: AnyType;
  valuesType?: AnyType;
  symbols?: string[];
  default?: unknown;
  size?: number;
  underlyingType?: AnyType;
};

/** The problems of reading data written with `writer` by `reader`: empty when it can. */
export function avroReadProblems(reader: avro.Type, writer: avro.Type): AvroProblem[] {
  const problems: AvroProblem[] = [];
  walk(reader as AnyType, writer as AnyType, '', new Set(), problems);
  if (problems.length === 0) {
    try {
      reader.createResolver(writer, { ignoreNamespaces: true } as never);
    } catch (error) {
      problems.push({ rule: 'unreadable', path: '', reader: describe(reader as AnyType), writer: describe(writer as AnyType), detail: (error as Error).message });
    }
  }
  return problems;
}

/** A short name of a type for messages: `string`, `array<int>`, `record Address`, `union [null, string]`. */
export function describe(type: AnyType): string {
  const t = plain(type);
  switch (t.typeName) {
    case 'record':
    case 'error':
    case 'enum':
      return `${t.typeName} ${unqualified(t.name)}`;
    case 'fixed':
      return `fixed ${unqualified(t.name)} (${t.size} bytes)`;
    case 'array':
      return `array<${describe(t.itemsType!)}>`;
    case 'map':
      return `map<${describe(t.valuesType!)}>`;
    case 'union:unwrapped':
    case 'union:wrapped':
      return `union [${t.types!.map(describe).join(', ')}]`;
    default:
      return t.typeName;
  }
}

function walk(reader: AnyType, writer: AnyType, path: string, seen: Set<string>, out: AvroProblem[]): void {
  const r = plain(reader);
  const w = plain(writer);
  const problem = (rule: AvroRule, detail?: string) => out.push({ rule, path, reader: describe(r), writer: describe(w), ...(detail !== undefined && { detail }) });
  if (isUnion(w)) {
    // Every branch the writer may have written must be readable.
    if (!w.types!.every((branch) => readable(r, branch, seen))) problem('type-changed');
    return;
  }
  if (isUnion(r)) {
    if (!r.types!.some((branch) => readable(branch, w, seen))) problem('type-changed');
    return;
  }
  if (r.typeName !== w.typeName) {
    if (!(PROMOTIONS[r.typeName] ?? []).includes(w.typeName)) problem('type-changed');
    return;
  }
  switch (r.typeName) {
    case 'record':
    case 'error': {
      if (!sameName(r, w)) return void problem('name-changed');
      const key = `${r.name}|${w.name}`;
      if (seen.has(key)) return; // a recursive type: its fields are walked once
      seen.add(key);
      const writerFields = new Map(w.fields!.map((f) => [f.name, f]));
      for (const field of r.fields!) {
        const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
        const match = [field.name, ...(field.aliases ?? [])].map((name) => writerFields.get(name)).find((f) => f !== undefined);
        if (match !== undefined) walk(field.type, match.type, fieldPath, seen, out);
        else if (field.defaultValue() === undefined) out.push({ rule: 'missing-default', path: fieldPath, reader: describe(field.type), writer: 'absent' });
      }
      return;
    }
    case 'enum': {
      if (!sameName(r, w)) return void problem('name-changed');
      const missing = w.symbols!.filter((s) => !r.symbols!.includes(s));
      if (missing.length > 0 && r.default === undefined) problem('enum-symbols', missing.join(', '));
      return;
    }
    case 'fixed':
      if (!sameName(r, w)) return void problem('name-changed');
      if (r.size !== w.size) problem('fixed-size');
      return;
    case 'array':
      return walk(r.itemsType!, w.itemsType!, `${path}[]`, seen, out);
    case 'map':
      return walk(r.valuesType!, w.valuesType!, `${path}{}`, seen, out);
    default:
      return; // the same primitive
  }
}

function readable(reader: AnyType, writer: AnyType, seen: Set<string>): boolean {
  const probe: AvroProblem[] = [];
  walk(reader, writer, '', new Set(seen), probe);
  return probe.length === 0;
}

/** Logical types are read as their underlying type (so are eddy's JSON values). */
function plain(type: AnyType): AnyType {
  return type.typeName === 'logical' || type.underlyingType !== undefined ? plain(type.underlyingType!) : type;
}

const isUnion = (t: AnyType) => t.typeName.startsWith('union');
const unqualified = (name: string | undefined) => (name ?? '').slice((name ?? '').lastIndexOf('.') + 1);

/** Avro's name rule: the same unqualified name, or one of the reader's aliases is the writer's name. */
function sameName(r: AnyType, w: AnyType): boolean {
  const name = unqualified(w.name);
  return unqualified(r.name) === name || (r.aliases ?? []).some((a) => unqualified(a) === name);
}

/**
 * One problem as a sentence naming the field, the rule and who cannot read whom. `other` names
 * the schema compared with (`version 1`); `backward`: the new schema reads `other`'s records,
 * `forward`: `other` reads the new schema's records.
 */
export function avroProblemMessage(p: AvroProblem, direction: Direction, other: string): string {
  const at = p.path === '' ? 'the top-level type' : `\`${p.path}\``;
  const [older, newer] = direction === 'backward' ? [p.writer, p.reader] : [p.reader, p.writer];
  const who = direction === 'backward' ? `readers of the new schema cannot read records of ${other}` : `readers of ${other} cannot read records of the new schema`;
  switch (p.rule) {
    case 'missing-default':
      return direction === 'backward'
        ? `field ${at} (${p.reader}) was added without a default: ${who}`
        : `field ${at} (${p.reader}) was removed, and has no default in ${other}: ${who}`;
    case 'type-changed':
      return `type of ${at} changed from ${older} to ${newer}, which is not a promotion Avro resolves: ${who}`;
    case 'enum-symbols':
      return direction === 'backward'
        ? `enum ${at} lost the symbols ${p.detail} and has no default: ${who}`
        : `enum ${at} gained the symbols ${p.detail}, unknown to ${other}, which has no default: ${who}`;
    case 'name-changed':
      return `${at} was renamed from ${older} to ${newer} without an alias: ${who}`;
    case 'fixed-size':
      return `size of ${at} changed (${older} to ${newer}): ${who}`;
    case 'unreadable':
      return `${at} cannot be resolved (avsc: ${p.detail}): ${who}`;
  }
}
