/**
 * The checks a new version passes before it is accepted: against the subject's earlier versions
 * by its compatibility level, and, on eddy's own subjects, against the type eddy decodes the
 * subject's records into (whatever the level, even NONE: a version eddy cannot read would
 * dead-letter every record written with it). Each problem is one sentence naming the version,
 * the level, the field and the rule.
 */
import avro from 'avsc';
import { avroType, readerResolver, type RecordKind } from '../codec/known-schemas.ts';
import { avroProblemMessage, avroReadProblems } from './avro-compatibility.ts';
import { ruleOf, type CompatibilityLevel, type Direction } from './compatibility-level.ts';
import { BUILT_IN_SCHEMAS } from './eddy-subjects.ts';
import { jsonProblemMessage, jsonReadProblems } from './json-schema-compatibility.ts';
import type { ParsedSchema } from './parsed-schema.ts';

export interface EarlierVersion {
  readonly version: number;
  readonly schema: ParsedSchema;
}

/** The problems of `candidate` as the next version after `earlier` (live versions, oldest first) under `level`. */
export function compatibilityProblems(candidate: ParsedSchema, earlier: readonly EarlierVersion[], level: CompatibilityLevel): string[] {
  const rule = ruleOf(level);
  if (rule.directions.length === 0) return [];
  const against = rule.transitive ? earlier : earlier.slice(-1);
  const problems: string[] = [];
  for (const { version, schema } of against) {
    const prefix = `version ${version}, ${level}: `;
    if (schema.schemaType !== candidate.schemaType) {
      problems.push(`${prefix}schemaType changed from ${schema.schemaType} to ${candidate.schemaType}: a reader of one cannot read the other`);
      continue;
    }
    for (const direction of rule.directions) {
      for (const message of directionProblems(candidate, schema, direction, `version ${version}`)) problems.push(prefix + message);
    }
  }
  return problems;
}

function directionProblems(candidate: ParsedSchema, other: ParsedSchema, direction: Direction, label: string): string[] {
  const [reader, writer] = direction === 'backward' ? [candidate, other] : [other, candidate];
  if (candidate.schemaType === 'AVRO') return avroReadProblems(reader.avro!, writer.avro!).map((p) => avroProblemMessage(p, direction, label));
  return jsonReadProblems(reader.json, writer.json).map((p) => jsonProblemMessage(p, direction, label));
}

const PLAIN_READERS: Readonly<Record<RecordKind, avro.Type>> = Object.fromEntries(
  BUILT_IN_SCHEMAS.map((s) => [s.recordKind, avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema)]),
) as Record<RecordKind, avro.Type>;

/**
 * The problems of decoding records written with `candidate` into eddy's built-in type of `kind`,
 * by the same resolver the codec will use (KnownSchemas.register): empty when eddy can read them.
 */
export function eddyReaderProblems(kind: RecordKind, candidate: ParsedSchema): string[] {
  const label = `eddy's built-in ${kind} schema`;
  const prefix = `eddy decodes this subject into its built-in ${kind} schema: `;
  if (candidate.schemaType !== 'AVRO') return [`${prefix}schemaType ${candidate.schemaType} cannot be read into it (only AVRO)`];
  try {
    readerResolver(kind, avroType(candidate.json as object));
    return [];
  } catch (error) {
    const problems = avroReadProblems(PLAIN_READERS[kind], candidate.avro!).map((p) => prefix + avroProblemMessage(p, 'forward', label));
    if (problems.length > 0) return problems;
    // Only what the walk does not see, such as a namespace that differs from eddy.v1's.
    return [`${prefix}the top-level type cannot be resolved (avsc: ${(error as Error).message}): readers of ${label} cannot read records of the new schema`];
  }
}
