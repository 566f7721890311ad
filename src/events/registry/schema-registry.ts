/**
 * A schema registry with Confluent's model: subjects with numbered versions, global schema ids
 * (the same schema under two subjects is one id), compatibility levels per subject and global,
 * checked before a version is accepted, soft and permanent deletes. The state is a fold over the
 * store's records (registry-state.ts); every change is appended first, then applied, one change
 * at a time, so the ids handed out are the ones the fold gives every other reader of the store.
 * The HTTP face is src/serving/registry-routes.ts.
 */
import { DEFAULT_COMPATIBILITY, parseCompatibility, type CompatibilityLevel } from './compatibility-level.ts';
import { compatibilityProblems, eddyReaderProblems, type EarlierVersion } from './compatibility-check.ts';
import { BUILT_IN_SCHEMAS, eddySubjects, kindOfSubject, seedRecords, type EddySubjects } from './eddy-subjects.ts';
import { parseSchemaInput, parseStoredSchema, type ParsedSchema, type SchemaInput } from './parsed-schema.ts';
import {
  incompatibleSchema,
  invalidVersion,
  schemaIdNotFound,
  schemaNotFoundInSubject,
  subjectConfigNotFound,
  subjectNotFound,
  subjectNotSoftDeleted,
  subjectSoftDeleted,
  versionNotFound,
  versionNotSoftDeleted,
  versionSoftDeleted,
} from './registry-errors.ts';
import { configKey, configRecord, schemaRecord, tombstone, versionKey, versionRecord, type RegistryRecord, type SchemaType } from './registry-records.ts';
import { RegistryState, type StoredSchema, type SubjectVersion } from './registry-state.ts';
import { MemorySchemaStore, type SchemaStore } from './schema-store.ts';

export interface SchemaRegistryOptions {
  /** Default: in memory. */
  readonly store?: SchemaStore;
  /** The deployment's topic prefix: eddy's subjects are `<prefix>user_interactions-value` and `<prefix>content_catalog-value`. */
  readonly topicPrefix?: string;
}

/** A version as reads return it. */
export interface VersionView {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
}

/** A version, or `latest` (Confluent also takes -1 for it). */
export type VersionRef = number | 'latest';

export interface CompatibilityResult {
  readonly isCompatible: boolean;
  readonly messages: string[];
}

/** Called once for every version the registry holds and every version added later. */
export type VersionListener = (version: SubjectVersion, schema: StoredSchema) => void;

const MAX_VERSION = 2 ** 31 - 1;

/** A version parameter (`latest`, `-1` or 1 to 2^31-1); 42202 otherwise. */
export function parseVersionRef(subject: string, raw: unknown): VersionRef {
  if (raw === 'latest' || raw === '-1' || raw === -1) return 'latest';
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION) throw invalidVersion(subject, raw);
  return n;
}

export class SchemaRegistry {
  readonly subjectsOfEddy: EddySubjects;
  private state: RegistryState;
  private readonly parsed = new Map<number, ParsedSchema>();
  private readonly listeners: VersionListener[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private catching: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  private constructor(
    private readonly store: SchemaStore,
    subjects: EddySubjects,
    state: RegistryState,
  ) {
    this.subjectsOfEddy = subjects;
    this.state = state;
  }

  /** Loads the store's records and folds them (after eddy's own version 1 of its subjects). */
  static async open(options: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
    const store = options.store ?? new MemorySchemaStore();
    const subjects = eddySubjects(options.topicPrefix);
    return new SchemaRegistry(store, subjects, await foldStore(store, subjects));
  }

  /** Records other writers appended since (a store shared by several instances); new versions reach the listeners. */
  async refresh(): Promise<void> {
    await this.serialize(async () => this.adopt(await foldStore(this.store, this.subjectsOfEddy)));
  }

  /** True when other instances write to the same store (reads should `catchUp` first). */
  get shared(): boolean {
    return this.store.shared === true;
  }

  /**
   * Resolves once everything the store held when this was called is in the state: one refresh
   * for callers that arrive while none is running, one more for those that arrive during it.
   */
  catchUp(): Promise<void> {
    if (this.catching === undefined) {
      this.catching = this.refresh().finally(() => (this.catching = undefined));
      return this.catching;
    }
    this.queued ??= this.catching
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.catchUp();
      });
    return this.queued;
  }

  /** Calls `listener` for every version held now (soft-deleted ones too: their records still exist), then for each one added. */
  onVersion(listener: VersionListener): void {
    this.listeners.push(listener);
    for (const version of this.allVersions()) listener(version, this.state.schemas.get(version.id)!);
  }

  async close(): Promise<void> {
    await this.writes;
    await this.store.close();
  }

  // Reads ------------------------------------------------------------------------------------

  /** Subjects with a live version (or any version, with `deleted`), sorted. */
  subjects(deleted = false): string[] {
    return [...this.state.subjects.keys()].filter((s) => this.state.versionsOf(s, deleted).length > 0).sort();
  }

  /** Version numbers of a subject; 40401 when it has none. */
  versions(subject: string, deleted = false): number[] {
    const versions = this.state.versionsOf(subject, deleted);
    if (versions.length === 0) throw subjectNotFound(subject);
    return versions.map((v) => v.version);
  }

  /** One version; soft-deleted ones only with `deleted`. */
  version(subject: string, ref: VersionRef, deleted = false): VersionView {
    return this.view(this.find(subject, ref, deleted));
  }

  /** The schema of a global id; 40403 when no version holds it (eddy's built-in ids always answer). */
  schemaById(id: number): StoredSchema {
    const schema = this.state.schemas.get(id);
    const held = BUILT_IN_SCHEMAS.some((s) => s.id === id) || this.allVersions().some((v) => v.id === id);
    if (schema === undefined || !held) throw schemaIdNotFound(id);
    return schema;
  }

  /** The subject-versions holding a global id. */
  versionsOfId(id: number, deleted = false): { subject: string; version: number }[] {
    this.schemaById(id);
    return this.allVersions()
      .filter((v) => v.id === id && (deleted || !v.deleted))
      .map((v) => ({ subject: v.subject, version: v.version }))
      .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
  }

  /** The version of `subject` that has this schema: `POST /subjects/{s}`. */
  lookup(subject: string, input: SchemaInput, deleted = false): VersionView {
    const candidate = parseSchemaInput(input, { subject });
    const versions = this.state.versionsOf(subject, deleted);
    if (versions.length === 0) throw subjectNotFound(subject);
    const id = this.state.idOf(candidate.schemaType, candidate.canonical);
    const match = versions.filter((v) => v.id === id).at(-1);
    if (match === undefined) throw schemaNotFoundInSubject(subject);
    return this.view(match);
  }

  /** Whether `input` could follow `ref` (`latest`: what registering would check; a number: that version alone). */
  testCompatibility(subject: string, ref: VersionRef, input: SchemaInput): CompatibilityResult {
    const live = this.state.versionsOf(subject);
    if (live.length === 0) throw subjectNotFound(subject);
    const target = ref === 'latest' ? undefined : this.find(subject, ref, false);
    const candidate = parseSchemaInput(input, { subject, version: target?.version });
    // Against one version, transitive or not is the same check.
    const messages = this.problems(subject, candidate, target === undefined ? live : [target], this.level(subject, true));
    return { isCompatible: messages.length === 0, messages };
  }

  /** A subject's level (or the global one for `null`); 40408 when the subject has none of its own, unless `defaultToGlobal`. */
  level(subject: string | null, defaultToGlobal = false): CompatibilityLevel {
    const global = this.state.levels.get(null) ?? DEFAULT_COMPATIBILITY;
    if (subject === null) return global;
    const own = this.state.levels.get(subject);
    if (own !== undefined) return own;
    if (defaultToGlobal) return global;
    throw subjectConfigNotFound(subject);
  }

  // Writes -----------------------------------------------------------------------------------

  /** Registers a schema under a subject: the existing id and version when the subject already has it live. */
  register(subject: string, input: SchemaInput): Promise<{ id: number; version: number }> {
    return this.change(() => {
      const version = this.state.nextVersion(subject);
      const candidate = parseSchemaInput(input, { subject, version });
      const known = this.state.idOf(candidate.schemaType, candidate.canonical);
      const live = this.state.versionsOf(subject);
      const same = live.find((v) => v.id === known);
      if (same !== undefined) return { records: [], result: { id: same.id, version: same.version } };
      const problems = this.problems(subject, candidate, live, this.level(subject, true));
      if (problems.length > 0) throw incompatibleSchema(subject, version, problems);
      const id = known ?? this.state.nextId;
      const records: RegistryRecord[] = [];
      if (known === undefined) records.push(schemaRecord({ id, schemaType: candidate.schemaType, schema: candidate.canonical }));
      records.push(versionRecord({ subject, version, id, deleted: false }));
      this.parsed.set(id, candidate);
      return { records, result: { id, version } };
    });
  }

  /** Sets the level of a subject (or the global one); 42203 for an unknown level. */
  setLevel(subject: string | null, value: unknown): Promise<CompatibilityLevel> {
    const level = parseCompatibility(value, subject);
    return this.change(() => ({ records: [configRecord(subject, level)], result: level }));
  }

  /** Removes a subject's own level (it follows the global one again), or resets the global one; answers the level removed. */
  deleteLevel(subject: string | null): Promise<CompatibilityLevel> {
    return this.change(() => {
      const removed = this.level(subject);
      return { records: this.state.levels.has(subject) ? [tombstone(configKey(subject))] : [], result: removed };
    });
  }

  /** Soft-deletes every live version (`permanent`: removes the soft-deleted ones); answers their numbers. */
  deleteSubject(subject: string, permanent = false): Promise<number[]> {
    return this.change(() => {
      const all = this.state.versionsOf(subject, true);
      if (all.length === 0) throw subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (!permanent) {
        if (live.length === 0) throw subjectSoftDeleted(subject);
        return { records: live.map((v) => versionRecord({ ...v, deleted: true })), result: live.map((v) => v.version) };
      }
      if (live.length > 0) throw subjectNotSoftDeleted(subject);
      return { records: all.map((v) => tombstone(versionKey(subject, v.version))), result: all.map((v) => v.version) };
    });
  }

  /** Soft-deletes one version (`permanent`: removes a soft-deleted one); answers its number. */
  deleteVersion(subject: string, ref: VersionRef, permanent = false): Promise<number> {
    return this.change(() => {
      // `latest` is the latest live version; a number may name a soft-deleted one (40406, or the permanent delete).
      const target = ref === 'latest' && !permanent ? this.find(subject, ref, false) : this.find(subject, ref, true);
      if (!permanent) {
        if (target.deleted) throw versionSoftDeleted(subject, target.version);
        return { records: [versionRecord({ ...target, deleted: true })], result: target.version };
      }
      if (!target.deleted) throw versionNotSoftDeleted(subject, target.version);
      return { records: [tombstone(versionKey(subject, target.version))], result: target.version };
    });
  }

  // ------------------------------------------------------------------------------------------

  private problems(subject: string, candidate: ParsedSchema, earlier: readonly SubjectVersion[], level: CompatibilityLevel): string[] {
    const versions: EarlierVersion[] = earlier.map((v) => ({ version: v.version, schema: this.parsedSchema(v.id) }));
    const problems = compatibilityProblems(candidate, versions, level);
    const kind = kindOfSubject(this.subjectsOfEddy, subject);
    if (kind !== undefined) problems.push(...eddyReaderProblems(kind, candidate));
    return problems;
  }

  /** The version `ref` names; 40401/40402 when there is none (soft-deleted ones count only with `deleted`). */
  private find(subject: string, ref: VersionRef, deleted: boolean): SubjectVersion {
    const versions = this.state.versionsOf(subject, deleted);
    if (this.state.versionsOf(subject, true).length === 0 || (!deleted && versions.length === 0)) throw subjectNotFound(subject);
    const found = ref === 'latest' ? versions.at(-1) : versions.find((v) => v.version === ref);
    if (found === undefined) throw versionNotFound(subject, ref);
    return found;
  }

  private view(v: SubjectVersion): VersionView {
    const schema = this.state.schemas.get(v.id)!;
    return { subject: v.subject, version: v.version, id: v.id, schemaType: schema.schemaType, schema: schema.schema };
  }

  private parsedSchema(id: number): ParsedSchema {
    let parsed = this.parsed.get(id);
    if (parsed === undefined) {
      const stored = this.state.schemas.get(id)!;
      parsed = parseStoredSchema(stored.schemaType, stored.schema);
      this.parsed.set(id, parsed);
    }
    return parsed;
  }

  private allVersions(): SubjectVersion[] {
    return [...this.state.subjects.values()].flatMap((versions) => [...versions.values()]);
  }

  private notify(version: SubjectVersion): void {
    const schema = this.state.schemas.get(version.id)!;
    for (const listener of this.listeners) listener(version, schema);
  }

  /** Takes a state folded from the store, telling the listeners of versions it has that the old one had not. */
  private adopt(state: RegistryState): void {
    const before = this.state;
    this.state = state;
    for (const version of this.allVersions()) if (before.subjects.get(version.subject)?.get(version.version)?.id !== version.id) this.notify(version);
  }

  /**
   * One change: `decide` runs on the state of everything in the store (other writers' records
   * included) and answers the records to append and the result; the store appends them with no
   * other record in between (it runs `decide` again if another writer got in first). Then the
   * records are applied and new versions reach the listeners: the state never holds what the store
   * does not.
   */
  private change<T>(decide: () => { records: readonly RegistryRecord[]; result: T }): Promise<T> {
    return this.serialize(async () => {
      let decided: { records: readonly RegistryRecord[]; result: T } | undefined;
      await this.store.update((stored) => {
        this.adopt(RegistryState.fold([...seedRecords(this.subjectsOfEddy), ...stored]));
        decided = decide();
        return decided.records;
      });
      for (const record of decided!.records) this.state.apply(record);
      for (const record of decided!.records) {
        const value = record.value;
        if (value?.kind === 'version' && !value.deleted) this.notify(this.state.subjects.get(value.subject)!.get(value.version)!);
      }
      return decided!.result;
    });
  }

  /** One change at a time: each is checked against the state the changes before it left. */
  private serialize<T>(change: () => Promise<T>): Promise<T> {
    const result = this.writes.then(change);
    this.writes = result.catch(() => undefined);
    return result;
  }
}

async function foldStore(store: SchemaStore, subjects: EddySubjects): Promise<RegistryState> {
  return RegistryState.fold([...seedRecords(subjects), ...(await store.load())]);
}
