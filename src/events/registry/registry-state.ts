/**
 * The registry's state as a pure fold over its records (registry-records.ts): the same records in
 * the same order give every instance the same subjects, versions, ids and levels. Records that do
 * not fit (a schema id that is not the next one, a version naming an unknown id, a key this
 * version of eddy cannot read) are skipped and counted, so a stray record written by a writer
 * that lost a race changes nothing.
 */
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './compatibility-level.ts';
import { BUILT_IN_SCHEMAS, FIRST_REGISTERED_ID } from './eddy-subjects.ts';
import { parseKey, type RegistryRecord, type SchemaType, type SchemaValue, type VersionValue } from './registry-records.ts';

export type StoredSchema = Omit<SchemaValue, 'kind'>;
export type SubjectVersion = Omit<VersionValue, 'kind'>;

export class RegistryState {
  readonly schemas = new Map<number, StoredSchema>();
  /** Subject → version → entry (soft-deleted ones included). */
  readonly subjects = new Map<string, Map<number, SubjectVersion>>();
  /** Levels by subject; the `null` key is the global level. */
  readonly levels = new Map<string | null, CompatibilityLevel>();
  private readonly idsByText = new Map<string, number>();
  private next = FIRST_REGISTERED_ID;
  /** Records the fold skipped. */
  skipped = 0;

  constructor() {
    for (const s of BUILT_IN_SCHEMAS) this.addSchema({ id: s.id, schemaType: s.schemaType, schema: s.schema });
  }

  /** The state after `records`, from an empty registry. */
  static fold(records: Iterable<RegistryRecord>): RegistryState {
    const state = new RegistryState();
    for (const record of records) state.apply(record);
    return state;
  }

  /** The id the next new schema gets. */
  get nextId(): number {
    return this.next;
  }

  /** The id of a schema text, if it has one. */
  idOf(schemaType: SchemaType, canonical: string): number | undefined {
    return this.idsByText.get(textKey(schemaType, canonical));
  }

  /** Versions of a subject in order; soft-deleted ones only with `deleted`. */
  versionsOf(subject: string, deleted = false): SubjectVersion[] {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].filter((v) => deleted || !v.deleted);
    return versions.sort((a, b) => a.version - b.version);
  }

  /** The number the next version of a subject gets (soft-deleted versions keep theirs). */
  nextVersion(subject: string): number {
    let max = 0;
    for (const version of this.subjects.get(subject)?.keys() ?? []) max = Math.max(max, version);
    return max + 1;
  }

  /** Applies one record; false when it was skipped. */
  apply(record: RegistryRecord): boolean {
    const key = parseKey(record.key);
    const value = record.value;
    let applied = false;
    if (key?.[0] === 'schema') {
      // Never tombstoned: an id, once given, is kept (old records on a topic still carry it).
      if (value?.kind === 'schema' && value.id === key[1] && value.id === this.next && this.idOf(value.schemaType, value.schema) === undefined) {
        this.addSchema({ id: value.id, schemaType: value.schemaType, schema: value.schema });
        applied = true;
      }
    } else if (key?.[0] === 'version') {
      const [, subject, version] = key;
      if (value === null) {
        applied = this.subjects.get(subject)?.delete(version) ?? false;
        if (this.subjects.get(subject)?.size === 0) this.subjects.delete(subject);
      } else if (value.kind === 'version' && value.subject === subject && value.version === version && this.schemas.has(value.id)) {
        if (!this.subjects.has(subject)) this.subjects.set(subject, new Map());
        this.subjects.get(subject)!.set(version, { subject, version, id: value.id, deleted: value.deleted === true });
        applied = true;
      }
    } else if (key?.[0] === 'config') {
      if (value === null) applied = this.levels.delete(key[1]);
      else if (value.kind === 'config' && value.subject === key[1] && COMPATIBILITY_LEVELS.includes(value.compatibility)) {
        this.levels.set(key[1], value.compatibility);
        applied = true;
      }
    }
    if (!applied) this.skipped++;
    return applied;
  }

  private addSchema(schema: StoredSchema): void {
    this.schemas.set(schema.id, schema);
    this.idsByText.set(textKey(schema.schemaType, schema.schema), schema.id);
    this.next = Math.max(this.next, schema.id + 1);
  }
}

const textKey = (schemaType: SchemaType, canonical: string) => `${schemaType}\n${canonical}`;
