/**
 * Writing and reading one framed record: the wire-format header, then the Avro body, in one buffer.
 * Encoding goes through a scratch buffer that grows to the largest record seen, so a record costs
 * one copy; decoding checks that the body is whole and nothing follows it, and turns whatever avsc
 * or the bounded reads throw into EDDY_CORRUPT_RECORD.
 */
import type avro from 'avsc';
import { EddyError } from '../../errors.ts';
import { HEADER_BYTES, schemaIdOf, writeHeader } from './wire-format.ts';
import { knownSchemas, type KnownSchemas, type SchemaKind } from './known-schemas.ts';

let scratch = Buffer.allocUnsafe(4096);

/** `value` (in the type's shape) framed with `schemaId`. */
export function encodeBody(type: avro.Type, schemaId: number, value: unknown): Buffer {
  for (;;) {
    const end = type.encode(value, scratch, HEADER_BYTES);
    // avsc answers a negative number (the bytes missing) when the buffer is too small.
    if (end >= 0) {
      writeHeader(scratch, schemaId);
      const record = Buffer.allocUnsafe(end);
      scratch.copy(record, 0, 0, end);
      return record;
    }
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
  }
}

/** The body of a wire-format record of `kind`, in the kind's reader shape. */
export function decodeBody(bytes: Buffer, kind: SchemaKind, schemas: KnownSchemas = knownSchemas): unknown {
  const known = schemas.lookup(schemaIdOf(bytes));
  if (known.kind !== kind) throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: is a record of schema id ${known.id}, an ${known.kind}, not an ${kind}`] });
  let decoded: { value: unknown; offset: number };
  try {
    decoded = known.type.decode(bytes, HEADER_BYTES, known.resolver);
  } catch (error) {
    throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: is not a valid ${kind} of schema id ${known.id} (${(error as Error).message.slice(0, 200)})`], cause: error });
  }
  if (decoded.offset < 0) throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: is truncated: its ${kind} body of schema id ${known.id} ends early`] });
  if (decoded.offset !== bytes.length) {
    throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: has ${bytes.length - decoded.offset} bytes after its ${kind} body of schema id ${known.id}`] });
  }
  return decoded.value;
}
