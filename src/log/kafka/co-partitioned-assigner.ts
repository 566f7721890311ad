/**
 * The group's partition assignment: partition p of every subscribed topic goes to the same member
 * (Kafka Streams assigns tasks this way). A stream task's state is keyed by partition number across
 * its co-partitioned topics (user_interactions and content_clicks), so a member that owned
 * user_interactions/3 but not content_clicks/3 would restore, and then drop, the wrong state. The
 * client's default round-robin over all topic-partitions only lines up by chance.
 */
import type { GroupPartitionsAssigner } from '@platformatic/kafka';

export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  // Sorted, so that every leader computes the same plan for the same members.
  const ids = [...members.keys()].sort();
  const plan = ids.map((memberId) => ({ memberId, assignments: new Map<string, { topic: string; partitions: number[] }>() }));
  if (plan.length === 0) return plan;
  for (const topic of topics) {
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    for (let p = 0; p < count; p++) {
      const member = plan[p % plan.length];
      let entry = member.assignments.get(topic);
      if (!entry) member.assignments.set(topic, (entry = { topic, partitions: [] }));
      entry.partitions.push(p);
    }
  }
  return plan;
};
