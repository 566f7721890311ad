/**
 * Record batches: the embedded log stores the records one append wrote to one partition as one
 * row, like a Kafka record batch, so that SQLite pays per batch rather than per record. Encoded
 * with Avro (avsc) for speed and compactness.
 */
import avro from 'avsc';

export interface StoredRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

const batchType = avro.Type.forSchema({
  type: 'array',
  items: {
    type: 'record',
    name: 'Record',
    fields: [
      { name: 'key', type: 'string' },
      { name: 'value', type: 'bytes' },
      { name: 'timestamp', type: 'double' },
      { name: 'headers', type: { type: 'map', values: 'string' } },
    ],
  },
});

export function encodeBatch(records: readonly StoredRecord[]): Buffer {
  return batchType.toBuffer(records);
}

export function decodeBatch(bytes: Buffer): StoredRecord[] {
  return batchType.fromBuffer(bytes) as StoredRecord[];
}
