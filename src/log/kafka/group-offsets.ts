/**
 * Committed offsets of a group, read with `require_stable` (KIP-447).
 *
 * @platformatic/kafka 1.35's `listCommittedOffsets` sends OffsetFetch with requireStable=false, so
 * right after a rebalance a new owner could read the offset from before the previous owner's
 * transaction that is still completing, and process those records again. This asks the group
 * coordinator directly with requireStable=true and retries while the broker answers
 * UNSTABLE_OFFSET_COMMIT.
 */
import { kGetApi, kGetBootstrapConnection, kGetConnection, type Consumer as ClientConsumer } from '@platformatic/kafka';
import type { TopicPartition } from '../types.ts';

type Cb<T> = (error: Error | null, result?: T) => void;
type ApiFn = (connection: unknown, ...args: unknown[]) => void;
interface Internals {
  [kGetApi](name: string, cb: Cb<ApiFn>): void;
  [kGetConnection](broker: unknown, cb: Cb<unknown>): void;
  [kGetBootstrapConnection](cb: Cb<unknown>): void;
}

interface FindCoordinatorResponse {
  coordinators: { key: string; nodeId: number; errorCode: number }[];
}

interface OffsetFetchResponse {
  groups: { groupId: string; errorCode: number; topics: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; errorCode: number }[] }[] }[];
}

const call = <T>(fn: (cb: Cb<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((error, result) => (error ? reject(error) : resolve(result as T))));

const UNSTABLE_OFFSET_COMMIT = 88;

/** `topic/partition` -> committed offset (-1 when none), stable (no pending transactional commit). */
export async function committedOffsets(consumer: ClientConsumer, group: string, tps: readonly TopicPartition[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tps.length === 0) return out;
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) {
    const list = byTopic.get(tp.topic) ?? [];
    list.push(tp.partition);
    byTopic.set(tp.topic, list);
  }
  const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const internals = consumer as unknown as Internals;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    let unstable = false;
    try {
      const coordinator = await coordinatorOf(consumer, group);
      const md = await consumer.metadata({ topics: [...byTopic.keys()], forceUpdate: attempt > 0 });
      const broker = md.brokers.get(coordinator);
      // A coordinator the cached metadata does not know yet (it just moved): ask again.
      if (broker === undefined) throw new CoordinatorUnknownError(`coordinator ${coordinator} of group ${group} not in the metadata`);
      const connection = await call<unknown>((cb) => internals[kGetConnection](broker, cb));
      const api = await call<ApiFn>((cb) => internals[kGetApi]('OffsetFetch', cb));
      const response = await call<OffsetFetchResponse>((cb) => api(connection, [{ groupId: group, memberId: null, memberEpoch: -1, topics }], true, cb));
      for (const g of response.groups) {
        if (g.errorCode === UNSTABLE_OFFSET_COMMIT) unstable = true;
        for (const t of g.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === UNSTABLE_OFFSET_COMMIT) unstable = true;
            out.set(`${t.name}/${p.partitionIndex}`, Number(p.committedOffset));
          }
        }
      }
    } catch (error) {
      const e = error as { findBy?: (k: string, v: unknown) => unknown; response?: unknown };
      const retriable = ['UNSTABLE_OFFSET_COMMIT', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'];
      // A coordinator that just died refuses connections until its successor is elected.
      const moving = error instanceof CoordinatorUnknownError || e.findBy?.('code', 'PLT_KFK_NETWORK');
      if (!retriable.some((id) => e.findBy?.('apiId', id)) && !moving) throw error;
      unstable = true;
    }
    if (!unstable) return out;
    if (Date.now() > deadline) throw new Error(`committed offsets of group ${group} stayed unstable for ${timeoutMs} ms`);
    out.clear();
    await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
  }
}

class CoordinatorUnknownError extends Error {}

/**
 * The coordinator of `group`, asked every time. The client's own `findGroupCoordinator()` answers
 * for the client's group, which is another one when a non-member asks (group-lag.ts), and keeps
 * its first answer even after that broker died: in a cluster of several brokers OffsetFetch then
 * fails NOT_COORDINATOR, or the connection to a broker gone from the metadata throws.
 */
export async function coordinatorOf(consumer: ClientConsumer, group: string): Promise<number> {
  const internals = consumer as unknown as Internals;
  const connection = await call<unknown>((cb) => internals[kGetBootstrapConnection](cb));
  const api = await call<ApiFn>((cb) => internals[kGetApi]('FindCoordinator', cb));
  const response = await call<FindCoordinatorResponse>((cb) => api(connection, 0 /* GROUP */, [group], cb));
  const found = response.coordinators.find((c) => c.key === group);
  if (!found || found.errorCode !== 0 || found.nodeId < 0) throw new CoordinatorUnknownError(`no coordinator for group ${group} yet`);
  return found.nodeId;
}

/**
 * Removes `memberId` from `group` (LeaveGroup sent by `consumer` to the group's current
 * coordinator), so that a rebalance need not wait for that member's session to expire: used for
 * the member of a client whose coordinator died and which was replaced by a new client.
 */
export async function leaveGroupAs(consumer: ClientConsumer, group: string, memberId: string, topics: readonly string[]): Promise<void> {
  const internals = consumer as unknown as Internals;
  const coordinator = await coordinatorOf(consumer, group);
  const md = await consumer.metadata({ topics: [...topics], forceUpdate: true });
  const broker = md.brokers.get(coordinator);
  if (broker === undefined) throw new CoordinatorUnknownError(`coordinator ${coordinator} of group ${group} not in the metadata`);
  const connection = await call<unknown>((cb) => internals[kGetConnection](broker, cb));
  const api = await call<ApiFn>((cb) => internals[kGetApi]('LeaveGroup', cb));
  await call<unknown>((cb) => api(connection, group, [{ memberId }], cb));
}
