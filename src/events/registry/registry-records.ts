/**
 * The records the registry's state is folded from, one per change, in the order they were
 * appended. Every record is keyed, so a compacted log (Kafka's `cleanup.policy=compact`, like
 * Confluent's `_schemas` topic) keeps exactly what the state needs: the last record per key, a
 * `null` value being a tombstone.
 *
 * - `["schema", id]` → `{kind: "schema", id, schemaType, schema}`: a global schema id. Written once,
 *   never rewritten nor tombstoned, so compaction keeps these in their original order. The id is
 *   deterministic: the fold accepts a schema record only when its id is the next one (the highest
 *   so far + 1, the first being FIRST_REGISTERED_ID) and its text has no id yet.
 * - `["version", subject, version]` → `{kind: "version", subject, version, id, deleted}`: version
 *   `version` of `subject` is schema `id`. A soft delete rewrites the key with `deleted: true`; a
 *   permanent delete is its tombstone.
 * - `["config", subject]` (`subject` null: the global level) → `{kind: "config", subject,
 *   compatibility}`; deleting a subject's level is its tombstone.
 */
import type { CompatibilityLevel } from './compatibility-level.ts';

export type SchemaType = 'AVRO' | 'JSON';

export interface SchemaValue {
  readonly kind: 'schema';
  readonly id: number;
  readonly schemaType: SchemaType;
  /** The canonical text (see parsed-schema.ts): what the id identifies and what reads return. */
  readonly schema: string;
}

export interface VersionValue {
  readonly kind: 'version';
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  /** Soft-deleted: hidden from reads and checks unless `?deleted=true`. */
  readonly deleted: boolean;
}

export interface ConfigValue {
  readonly kind: 'config';
  /** null: the global level. */
  readonly subject: string | null;
  readonly compatibility: CompatibilityLevel;
}

export type RegistryValue = SchemaValue | VersionValue | ConfigValue;

export interface RegistryRecord {
  /** JSON of the key array (`["version","orders-value",2]`): unambiguous whatever a subject holds. */
  readonly key: string;
  /** null: a tombstone, the key's earlier records no longer count. */
  readonly value: RegistryValue | null;
}

export type RecordKey = readonly ['schema', number] | readonly ['version', string, number] | readonly ['config', string | null];

export const schemaKey = (id: number): string => JSON.stringify(['schema', id]);
export const versionKey = (subject: string, version: number): string => JSON.stringify(['version', subject, version]);
export const configKey = (subject: string | null): string => JSON.stringify(['config', subject]);

export const schemaRecord = (value: Omit<SchemaValue, 'kind'>): RegistryRecord => ({ key: schemaKey(value.id), value: { kind: 'schema', ...value } });
export const versionRecord = (value: Omit<VersionValue, 'kind'>): RegistryRecord => ({
  key: versionKey(value.subject, value.version),
  value: { kind: 'version', ...value },
});
export const configRecord = (subject: string | null, compatibility: CompatibilityLevel): RegistryRecord => ({
  key: configKey(subject),
  value: { kind: 'config', subject, compatibility },
});
export const tombstone = (key: string): RegistryRecord => ({ key, value: null });

/** The key of a record, or undefined for one this version of eddy cannot read (the fold skips it). */
export function parseKey(key: string): RecordKey | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const [kind, a, b] = parsed as unknown[];
  if (kind === 'schema' && Number.isInteger(a) && parsed.length === 2) return ['schema', a as number];
  if (kind === 'version' && typeof a === 'string' && Number.isInteger(b) && parsed.length === 3) return ['version', a, b as number];
  if (kind === 'config' && (typeof a === 'string' || a === null) && parsed.length === 2) return ['config', a];
  return undefined;
}
