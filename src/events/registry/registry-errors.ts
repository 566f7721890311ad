/**
 * The registry's errors: an eddy code (so eddy's error table, metrics and docs cover them) plus
 * Confluent's numeric `error_code`, which Confluent's serializers and clients read
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html#errors). Every
 * message names the subject, and the version and field where there is one.
 */
import { EddyError, type ErrorCode } from '../../errors.ts';

export class RegistryError extends EddyError {
  /** Confluent's error code: 40401 subject not found, 409 incompatible, 42201 invalid schema, ... */
  readonly errorCode: number;

  constructor(code: ErrorCode, errorCode: number, message: string, details: unknown[] = [message]) {
    super(code, { message, details });
    this.name = 'RegistryError';
    this.errorCode = errorCode;
  }
}

/** The path naming what an error is about, eddy style (`/subjects/s/versions/2`). */
export function registryPath(subject: string | null, version?: number | string): string {
  if (subject === null) return '/config';
  return version === undefined ? `/subjects/${subject}` : `/subjects/${subject}/versions/${version}`;
}

const notFound = (errorCode: number, message: string, path: string) => new RegistryError('EDDY_NOT_FOUND', errorCode, message, [`${path}: ${message}`]);

export const subjectNotFound = (subject: string) => notFound(40401, `Subject '${subject}' not found.`, registryPath(subject));

export const versionNotFound = (subject: string, version: number | string) =>
  notFound(40402, `Version ${version} not found in subject '${subject}'.`, registryPath(subject, version));

export const schemaIdNotFound = (id: number | string) => notFound(40403, `Schema ${id} not found.`, `/schemas/ids/${id}`);

export const schemaNotFoundInSubject = (subject: string) =>
  notFound(40403, `Schema not found in subject '${subject}': no version of it has this schema.`, registryPath(subject));

export const subjectSoftDeleted = (subject: string) =>
  notFound(40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently.`, registryPath(subject));

export const subjectNotSoftDeleted = (subject: string) =>
  notFound(40405, `Subject '${subject}' was not deleted first before being permanently deleted.`, registryPath(subject));

export const versionSoftDeleted = (subject: string, version: number) =>
  notFound(40406, `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently.`, registryPath(subject, version));

export const versionNotSoftDeleted = (subject: string, version: number) =>
  notFound(40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted.`, registryPath(subject, version));

export const subjectConfigNotFound = (subject: string) =>
  notFound(40408, `Subject '${subject}' does not have subject-level compatibility configured.`, `/config/${subject}`);

/**
 * 409: `problems` are the checker's messages (each names its field, the rule and the version);
 * the message keeps Confluent's opening so that tools matching on it still do.
 */
export function incompatibleSchema(subject: string, version: number, problems: readonly string[]): RegistryError {
  const message = `Schema being registered is incompatible with an earlier schema for subject '${subject}' (it would be version ${version}): ${problems.join('; ')}`;
  return new RegistryError('EDDY_SCHEMA_INCOMPATIBLE', 409, message, problems.map((p) => `${registryPath(subject, version)}: ${p}`));
}

/** 42201: `problem` names the field when there is one (`field \`score\`: ...`). */
export function invalidSchema(subject: string | null, problem: string, version?: number): RegistryError {
  const where = subject === null ? '' : ` for subject '${subject}'${version === undefined ? '' : ` (version ${version})`}`;
  return new RegistryError('EDDY_INVALID_SCHEMA', 42201, `Invalid schema${where}: ${problem}`, [`${subject === null ? '/schema' : registryPath(subject, version)}: ${problem}`]);
}

export function invalidVersion(subject: string, value: unknown): RegistryError {
  const message = `The specified version '${String(value)}' of subject '${subject}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`;
  return new RegistryError('EDDY_INVALID_VERSION', 42202, message, [`${registryPath(subject, String(value))}: is not a valid version id`]);
}

export function invalidCompatibility(value: unknown, subject: string | null): RegistryError {
  const message = `Invalid compatibility level '${String(value)}'${subject === null ? '' : ` for subject '${subject}'`}. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE`;
  return new RegistryError('EDDY_INVALID_COMPATIBILITY', 42203, message, [`${subject === null ? '/config' : `/config/${subject}`}/compatibility: ${message}`]);
}
