/**
 * eddy's schema registry: Confluent Schema Registry's model (subjects, versions, global ids,
 * compatibility levels, soft deletes) over a store of keyed records, with eddy's built-in schemas
 * as ids 1 and 2, and a binding that makes every id registered under eddy's subjects decodable by
 * the codec. Its REST API is src/serving/registry-routes.ts.
 */
export { SchemaRegistry, parseVersionRef, type SchemaRegistryOptions, type VersionView, type VersionRef, type CompatibilityResult, type VersionListener } from './schema-registry.ts';
export { COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY, parseCompatibility, type CompatibilityLevel } from './compatibility-level.ts';
export { RegistryError } from './registry-errors.ts';
export { MemorySchemaStore, type SchemaStore } from './schema-store.ts';
export { openSqliteSchemaStore, SqliteSchemaStore, SCHEMA_STORE_FILE } from './sqlite-schema-store.ts';
export { RegistryState, type StoredSchema, type SubjectVersion } from './registry-state.ts';
export { configRecord, schemaRecord, tombstone, versionRecord, type RegistryRecord, type RegistryValue, type SchemaType } from './registry-records.ts';
export { BUILT_IN_SCHEMAS, FIRST_REGISTERED_ID, eddySubjects, type EddySubjects } from './eddy-subjects.ts';
export { bindKnownSchemas } from './codec-binding.ts';
export type { SchemaInput } from './parsed-schema.ts';
