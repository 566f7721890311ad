/**
 * The registry's plug-in to the codec: every version registered under one of eddy's subjects
 * makes its id decodable in a KnownSchemas (known-schemas.ts), as the subject's kind, read through
 * an avsc resolver from the writer's schema into the built-in reader type. The registry refused
 * any version that resolver cannot read (compatibility-check.ts), so registering cannot fail for
 * a version it accepted; an id stays decodable after its version is deleted, since records
 * written with it may still be on a topic.
 */
import { EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID, knownSchemas, type KnownSchemas } from '../codec/known-schemas.ts';
import { kindOfSubject } from './eddy-subjects.ts';
import type { SchemaRegistry } from './schema-registry.ts';

const BUILT_IN_IDS: ReadonlySet<number> = new Set([EVENT_V1_SCHEMA_ID, ITEM_V1_SCHEMA_ID]);

/**
 * Registers the registry's eddy-subject ids in `schemas` (default: the process's `knownSchemas`,
 * the one the processor decodes with), now and as they are added. `warn` hears of a stored
 * version this eddy's reader type can no longer read (it stays unknown: its records dead-letter).
 */
export function bindKnownSchemas(registry: SchemaRegistry, schemas: KnownSchemas = knownSchemas, warn: (message: string) => void = () => {}): void {
  registry.onVersion((version, schema) => {
    const kind = kindOfSubject(registry.subjectsOfEddy, version.subject);
    if (kind === undefined || schema.schemaType !== 'AVRO' || BUILT_IN_IDS.has(schema.id)) return;
    try {
      schemas.register(schema.id, kind, JSON.parse(schema.schema) as object);
    } catch (error) {
      warn(`schema id ${schema.id} (subject ${version.subject}, version ${version.version}) is not readable as an ${kind}: ${(error as Error).message}`);
    }
  });
}
