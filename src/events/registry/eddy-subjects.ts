/**
 * eddy's own subjects and schemas in the registry. The built-in schemas keep the ids the codec
 * writes (EVENT_V1_SCHEMA_ID = 1, ITEM_V1_SCHEMA_ID = 2, known-schemas.ts): every registry knows
 * them, so a Confluent consumer can fetch the schema of any record eddy wrote by its id, and
 * registered schemas get ids from FIRST_REGISTERED_ID on, never one of eddy's. Each eddy subject
 * (Confluent's TopicNameStrategy, `<topic>-value`, of the topics in pipeline/topics.ts) starts with
 * its built-in schema as version 1, so a v2 registered there is checked against it.
 */
import { EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID, type RecordKind } from '../codec/known-schemas.ts';
import { EVENT_V1_AVRO, ITEM_V1_AVRO } from '../codec/schemas.ts';
import { versionRecord, type RegistryRecord, type SchemaValue } from './registry-records.ts';

/** The first id the registry hands out: above every built-in id. */
export const FIRST_REGISTERED_ID = Math.max(EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID) + 1;

export interface BuiltInSchema extends SchemaValue {
  readonly recordKind: RecordKind;
}

export const BUILT_IN_SCHEMAS: readonly BuiltInSchema[] = [
  { kind: 'schema', id: EVENT_V1_SCHEMA_ID, schemaType: 'AVRO', schema: JSON.stringify(EVENT_V1_AVRO), recordKind: 'event' },
  { kind: 'schema', id: ITEM_V1_SCHEMA_ID, schemaType: 'AVRO', schema: JSON.stringify(ITEM_V1_AVRO), recordKind: 'item' },
];

/** The subject of each kind: the value subjects of the interactions and catalogue topics. */
export type EddySubjects = Readonly<Record<RecordKind, string>>;

/** eddy's subjects under a topic prefix (the `--topic-prefix` of the deployment). */
export function eddySubjects(topicPrefix = ''): EddySubjects {
  return { event: `${topicPrefix}user_interactions-value`, item: `${topicPrefix}content_catalog-value` };
}

/** The kind a subject's records are decoded as; undefined for subjects that are not eddy's. */
export function kindOfSubject(subjects: EddySubjects, subject: string): RecordKind | undefined {
  if (subject === subjects.event) return 'event';
  if (subject === subjects.item) return 'item';
  return undefined;
}

/** Version 1 of each eddy subject: folded before the stored records (never stored themselves). */
export function seedRecords(subjects: EddySubjects): RegistryRecord[] {
  return BUILT_IN_SCHEMAS.map((s) => versionRecord({ subject: subjects[s.recordKind], version: 1, id: s.id, deleted: false }));
}
