/**
 * The schema ids eddy can decode, each with the kind of record it is and the Avro type that reads
 * it. The built-in ids are constants; a schema registry plugs in by registering the ids it hands
 * out (another version of a schema is read into the built-in reader type through an avsc
 * resolver, so the rest of eddy sees one shape per kind; see ../registry/codec-binding.ts). Unknown
 * ids are EDDY_UNKNOWN_SCHEMA_ID.
 */
import avro from 'avsc';
import { EddyError } from '../../errors.ts';
import { boundedReads } from './bounded-reads.ts';
import { JSON_VALUE_LOGICAL_TYPE, JsonValueType } from './json-value.ts';
import { EVENT_V1_AVRO, ITEM_UPDATE_V1_AVRO, ITEM_V1_AVRO } from './schemas.ts';

/** Schema id of the v1 interaction event (EVENT_V1_AVRO). */
export const EVENT_V1_SCHEMA_ID = 1;
/** Schema id of the v1 catalogue item (ITEM_V1_AVRO). */
export const ITEM_V1_SCHEMA_ID = 2;

/**
 * Schema id of eddy's internal item update (ITEM_UPDATE_V1_AVRO): 0, which no registry hands out
 * (Confluent's ids and eddy's registered ones start at 1), as the record never leaves eddy's own
 * topology and has no subject.
 */
export const ITEM_UPDATE_V1_SCHEMA_ID = 0;

/** The kinds of record a registry subject can hold. */
export type RecordKind = 'event' | 'item';
/** Every kind a schema id can decode to: the subjects' kinds and eddy's internal item update. */
export type SchemaKind = RecordKind | 'item-update';

type Resolver = ReturnType<avro.Type['createResolver']>;

/**
 * Builds an Avro type the eddy way: bounded arrays and maps, JSON values unwrapped. Options are
 * fresh per call because avsc keeps each type's named types in them.
 */
export function avroType(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    typeHook: boundedReads,
    logicalTypes: { [JSON_VALUE_LOGICAL_TYPE]: JsonValueType },
    wrapUnions: 'auto',
  } as Parameters<typeof avro.Type.forSchema>[1]);
}

/** The type each kind is written with and decoded into. */
export const READER_TYPES: Readonly<Record<RecordKind, avro.Type>> = {
  event: avroType(EVENT_V1_AVRO),
  item: avroType(ITEM_V1_AVRO),
};

/**
 * A resolver that reads records written with `writer` into `kind`'s reader type (avsc throws when
 * they cannot be read). Names match without their namespace, as Avro's SchemaCompatibility has it:
 * a producer's `com.example.InteractionEvent` is read as eddy's `eddy.v1.InteractionEvent`.
 */
export function readerResolver(kind: RecordKind, writer: avro.Type): Resolver {
  return READER_TYPES[kind].createResolver(writer, { ignoreNamespaces: true } as never);
}

/** The type of eddy's internal item update. */
export const ITEM_UPDATE_TYPE = avroType(ITEM_UPDATE_V1_AVRO);

export interface KnownSchema {
  readonly id: number;
  readonly kind: SchemaKind;
  /** Reads the body into the kind's reader type. */
  readonly type: avro.Type;
  /** Set when the writer schema is not the reader's own: translates while reading. */
  readonly resolver: Resolver | undefined;
}

export class KnownSchemas {
  private readonly byId = new Map<number, KnownSchema>();

  constructor() {
    this.byId.set(EVENT_V1_SCHEMA_ID, { id: EVENT_V1_SCHEMA_ID, kind: 'event', type: READER_TYPES.event, resolver: undefined });
    this.byId.set(ITEM_V1_SCHEMA_ID, { id: ITEM_V1_SCHEMA_ID, kind: 'item', type: READER_TYPES.item, resolver: undefined });
    this.byId.set(ITEM_UPDATE_V1_SCHEMA_ID, { id: ITEM_UPDATE_V1_SCHEMA_ID, kind: 'item-update', type: ITEM_UPDATE_TYPE, resolver: undefined });
  }

  /**
   * Makes `id` decodable: records written with `writerSchema` are read as `kind`. Throws
   * EDDY_SCHEMA_INCOMPATIBLE when they cannot be read into the kind's reader type.
   */
  register(id: number, kind: RecordKind, writerSchema: object): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new EddyError('EDDY_INVALID_SCHEMA', { details: [`/id: ${id} is not a 32-bit schema id`] });
    const reader = READER_TYPES[kind];
    let resolver: Resolver;
    try {
      resolver = readerResolver(kind, avroType(writerSchema));
    } catch (error) {
      throw new EddyError('EDDY_SCHEMA_INCOMPATIBLE', { details: [`/: ${(error as Error).message}`], cause: error });
    }
    this.byId.set(id, { id, kind, type: reader, resolver });
  }

  /** Whether `id` is decodable here. */
  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** The schema of `id`; EDDY_UNKNOWN_SCHEMA_ID when there is none. */
  lookup(id: number): KnownSchema {
    const known = this.byId.get(id);
    if (known === undefined) throw new EddyError('EDDY_UNKNOWN_SCHEMA_ID', { details: [`/: names schema id ${id}, which this instance does not know`] });
    return known;
  }
}

/** The ids every instance knows (the built-in ones, and whatever a registry adds). */
export const knownSchemas = new KnownSchemas();
