/**
 * A consumer group's lag seen from outside the group: committed offsets (stable) against end
 * offsets, for every partition of the given topics. Any instance can export it, whether or not it
 * is a member (ingest uses it for backpressure, serve for `eddy_consumer_lag`).
 */
import type { PartitionLag, TopicPartition } from '../types.ts';
import { committedOffsets } from './group-offsets.ts';
import type { KafkaLog } from './kafka-log.ts';

export async function groupLag(log: KafkaLog, group: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const ends = new Map<string, number[]>();
  const tps: TopicPartition[] = [];
  for (const topic of topics) {
    const e = await log.endOffsets(topic);
    ends.set(topic, e);
    for (let partition = 0; partition < e.length; partition++) tps.push({ topic, partition });
  }
  const committed = await committedOffsets(log.offsets, group, tps);
  return tps.map(({ topic, partition }) => {
    const end = ends.get(topic)![partition];
    const offset = Math.max(0, committed.get(`${topic}/${partition}`) ?? 0);
    return { topic, partition, offset, end, lag: Math.max(0, end - offset) };
  });
}
