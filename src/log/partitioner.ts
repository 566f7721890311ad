/**
 * Key to partition. Kafka's default partitioner (murmur2 of the key bytes, positive, modulo the
 * partition count), so that a record keyed by eddy and one keyed by any Kafka producer land in the
 * same partition. See org.apache.kafka.common.utils.Utils#murmur2.
 */

/** Kafka's murmur2 hash of a byte array (signed 32-bit result). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const index = length4 * 4;
  const rest = length % 4;
  if (rest === 3) h ^= (data[index + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[index + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[index] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();

/** The partition Kafka's default partitioner picks for a string key. */
export function partitionFor(key: string, partitions: number): number {
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitions;
}
