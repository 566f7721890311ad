/**
 * Restoring a state store from its compacted changelog topic (`<group>-<store>-changelog`):
 * read each partition from the log start to its last stable offset (read_committed, so aborted
 * transactions are skipped) and apply the last value of every key; a key whose last record is a
 * tombstone (null value) is not applied. `readCommitted` is the same read in order, for a reader
 * that folds every record (the schema registry's topic).
 */
import type { Consumer as ClientConsumer } from '@platformatic/kafka';
import type { KafkaLog } from './kafka-log.ts';
import type { LogRecord } from '../types.ts';
import { MarkerResolver } from './records.ts';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const EARLIEST = -2n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function restoreChangelog(
  client: ClientConsumer,
  log: KafkaLog,
  topic: string,
  partitions: readonly number[],
  apply: (key: string, value: Buffer) => void,
): Promise<void> {
  const n = await log.partitionsOrLoad(topic);
  if (n === undefined) return;
  const starts = await client.listOffsets({ topics: [topic], timestamp: EARLIEST });
  const ends = await client.listOffsets({ topics: [topic], isolationLevel: READ_COMMITTED });
  for (const p of partitions) {
    if (p >= n) continue;
    const latest = new Map<string, Buffer | null>();
    const from = Number(starts.get(topic)?.[p] ?? 0n);
    const end = Number(ends.get(topic)?.[p] ?? 0n);
    await readCommitted(client, log, topic, p, from, end, (r, tombstone) => latest.set(r.key, tombstone ? null : r.value));
    for (const [key, value] of latest) if (value !== null) apply(key, value);
  }
}

/** The last stable offset of a partition: where a read_committed reader's records end for now. */
export async function stableEnd(client: ClientConsumer, topic: string, partition: number): Promise<number> {
  const ends = await client.listOffsets({ topics: [topic], isolationLevel: READ_COMMITTED });
  return Number(ends.get(topic)?.[partition] ?? 0n);
}

/**
 * Reads one partition's committed records from `from` up to (not including) `end`, in offset
 * order, and answers the offset to read from next. `tombstone` tells a null value from an empty one.
 */
export async function readCommitted(
  client: ClientConsumer,
  log: KafkaLog,
  topic: string,
  p: number,
  from: number,
  end: number,
  onRecord: (record: LogRecord, tombstone: boolean) => void,
): Promise<number> {
  if (from >= end) return from;
  const md = await client.metadata({ topics: [topic] });
  const t = md.topics.get(topic)!;
  // read_uncommitted, transactions decided by their markers: see MarkerResolver for why.
  const resolver = new MarkerResolver(topic, p);
  let stalls = 0;
  while (from < end) {
    const response = await client.fetch({
      node: t.partitions[p].leader,
      topics: [{ topicId: t.id, partitions: [{ partition: p, fetchOffset: BigInt(from), partitionMaxBytes: 4 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: log.options.fetchMaxBytes,
      isolationLevel: READ_UNCOMMITTED,
    });
    const part = response.responses.flatMap((r) => r.partitions).find((x) => x.partitionIndex === p);
    const { next, reachedEnd } = resolver.addAll(part?.records, from, onRecord, end);
    // Past what was taken, also when the response reached `end` (a later read must not take it again).
    if (reachedEnd) return resolver.firstUndecided ?? Math.max(from, Math.min(next, end));
    if (next <= from) {
      if (++stalls > 50) throw new Error(`read of ${topic}/${p} made no progress at offset ${from} (end ${end})`);
      await sleep(20);
      continue;
    }
    stalls = 0;
    from = Math.min(next, end);
  }
  // A transaction whose marker lies past `end` is read again, whole, by the next read.
  return resolver.firstUndecided ?? from;
}
