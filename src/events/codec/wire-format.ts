/**
 * The Confluent wire format that frames every record eddy encodes: magic byte 0, the schema id as a
 * 4-byte big-endian integer, then the Avro body. Any Confluent-compatible consumer can read eddy's
 * records by the id, and eddy tells its own records from JSON by the first byte alone (JSON starts
 * with `{`, `[` or white space, never with 0).
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
import { EddyError } from '../../errors.ts';

export const MAGIC_BYTE = 0;
/** Magic byte plus schema id. */
export const HEADER_BYTES = 5;

/** True when the bytes claim the wire format (their first byte is the magic byte). */
export function isWireFormat(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === MAGIC_BYTE;
}

/** Writes the header for `schemaId` at the start of `buf`. */
export function writeHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeUInt32BE(schemaId, 1);
}

/** The schema id of a wire-format record; EDDY_CORRUPT_RECORD when there is no whole header. */
export function schemaIdOf(bytes: Buffer): number {
  if (bytes[0] !== MAGIC_BYTE) throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: does not start with the magic byte ${MAGIC_BYTE}`] });
  if (bytes.length < HEADER_BYTES) {
    throw new EddyError('EDDY_CORRUPT_RECORD', { details: [`/: is ${bytes.length} bytes, too short for the wire-format header of ${HEADER_BYTES}`] });
  }
  return bytes.readUInt32BE(1);
}
