import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { coPartitionedAssigner } from '../../src/log/kafka/co-partitioned-assigner.ts';

function assign(memberIds: string[], topics: Record<string, number>) {
  const members = new Map(memberIds.map((id) => [id, {} as ExtendedGroupProtocolSubscription]));
  const metadata = { topics: new Map(Object.entries(topics).map(([name, partitionsCount]) => [name, { partitionsCount }])) } as unknown as ClusterMetadata;
  const plan = coPartitionedAssigner(memberIds[0], members, new Set(Object.keys(topics)), metadata);
  return new Map(plan.map((m) => [m.memberId, Object.fromEntries([...m.assignments.values()].map((a) => [a.topic, a.partitions]))]));
}

test('partition p of every topic goes to the same member, for any member count', () => {
  for (const n of [1, 2, 3, 5, 7]) {
    const ids = Array.from({ length: n }, (_, i) => `m${(i * 7) % n}-${i}`);
    const plan = assign(ids, { user_interactions: 12, content_clicks: 12 });
    const owner = new Map<string, string>();
    for (const [member, topics] of plan) {
      for (const [topic, partitions] of Object.entries(topics)) for (const p of partitions) owner.set(`${topic}/${p}`, member);
    }
    for (let p = 0; p < 12; p++) {
      assert.ok(owner.has(`user_interactions/${p}`) && owner.has(`content_clicks/${p}`), `partition ${p} assigned (${n} members)`);
      assert.equal(owner.get(`user_interactions/${p}`), owner.get(`content_clicks/${p}`), `partition ${p} co-located (${n} members)`);
    }
  }
});

test('every leader computes the same plan, whatever order it lists the members in', () => {
  const a = assign(['b', 'a', 'c'], { t: 6, u: 6 });
  const b = assign(['c', 'b', 'a'], { t: 6, u: 6 });
  assert.deepEqual(Object.fromEntries(a), Object.fromEntries(b));
  assert.deepEqual(a.get('a'), { t: [0, 3], u: [0, 3] });
});
