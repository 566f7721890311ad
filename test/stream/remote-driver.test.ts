// The stream task's worker-thread driver (src/stream/remote-driver.ts): the processor in a worker
// sees the restore, the batches and the drains in the order they were sent, hands back the same
// state writes and outputs as the in-thread driver, and its errors reach the task before a commit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../src/log/types.ts';
import { TopologyDriver } from '../../src/stream/driver.ts';
import { RemoteTopologyDriver } from '../../src/stream/remote-driver.ts';
import { createTopology } from '../support/counting-topology.ts';

const MODULE = new URL('../support/counting-topology.ts', import.meta.url);
const options = { outTopic: 'out' };

function records(from: number, n: number): LogRecord[] {
  // Values are views into one shared buffer, as records decoded from a log batch are.
  const shared = Buffer.from('0123456789'.repeat(10));
  return Array.from({ length: n }, (_, i) => ({
    topic: 'in',
    partition: i % 2,
    offset: from + i,
    key: `k${(from + i) % 7}`,
    value: shared.subarray((from + i) % 9, ((from + i) % 9) + 1),
    timestamp: 1_700_000_000_000 + from + i,
    headers: (i % 3 === 0 ? { h: String(i) } : {}) as Record<string, string>,
  }));
}

const sortWrites = (ws: { store: string; partition: number; key: string; value: Buffer | null }[]) =>
  ws.map((w) => `${w.store}/${w.partition}/${w.key}=${w.value?.toString('hex')}`).sort();

describe('remote topology driver', () => {
  it('restore, batches sent ahead, drains: the same writes and outputs as the in-thread driver', async () => {
    const remote = await RemoteTopologyDriver.start({ module: MODULE, options, storeNames: ['counts'], maxInflight: 3 });
    const local = new TopologyDriver(createTopology(options).processor);
    try {
      for (const d of [remote, local]) {
        d.restoreEntry('counts', 'k1', 1, Buffer.from('100'));
        await d.assigned([{ topic: 'in', partition: 0 }, { topic: 'in', partition: 1 }]);
      }
      for (let commit = 0; commit < 3; commit++) {
        // Several batches in flight, then a drain that must cover exactly them.
        for (let b = 0; b < 5; b++) {
          const batch = records(commit * 500 + b * 100, 100);
          await remote.process(batch);
          local.process(batch);
        }
        const [r, l] = [await remote.drain(), local.drain()];
        assert.deepEqual(sortWrites(r.state), sortWrites(l.state), `commit ${commit}: state writes`);
        assert.deepEqual(
          r.outputs.map((o) => [o.topic, o.key, o.value.toString(), o.headers]),
          l.outputs.map((o) => [o.topic, o.key, o.value.toString(), o.headers]),
          `commit ${commit}: outputs in order`,
        );
      }
      assert.ok(sortWrites((await remote.drain()).state).length === 0, 'nothing left after the last drain');
    } finally {
      await remote.close();
    }
  });

  it('a drain covers what was sent before it, not what was sent after it', async () => {
    const remote = await RemoteTopologyDriver.start({ module: MODULE, options, storeNames: ['counts'] });
    try {
      await remote.process(records(0, 10));
      const first = remote.drain();
      await remote.process(records(10, 10));
      assert.equal((await first).outputs.length, 10);
      assert.equal((await remote.drain()).outputs.length, 10);
    } finally {
      await remote.close();
    }
  });

  it('reports with each drain, asks for commits, and receives calls', async () => {
    let report: unknown;
    const remote = await RemoteTopologyDriver.start({ module: MODULE, options, storeNames: ['counts'], onReport: (r) => (report = r) });
    try {
      remote.call('impressions', { list: ['a', 'b'] });
      await remote.process([{ ...records(0, 1)[0], key: 'urgent' }]);
      await remote.tick();
      // Known once the worker has answered that batch.
      for (let i = 0; i < 100 && !remote.commitRequested; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(remote.commitRequested, true, 'the processor asked for a commit');
      await remote.drain();
      assert.equal(remote.commitRequested, false);
      assert.deepEqual(report, { processed: 1, received: [{ name: 'impressions', payload: { list: ['a', 'b'] } }] });
    } finally {
      await remote.close();
    }
  });

  it("a processor's error in the worker fails the drain, so nothing of that batch is committed", async () => {
    const remote = await RemoteTopologyDriver.start({ module: MODULE, options, storeNames: ['counts'] });
    try {
      await remote.process(records(0, 5));
      await remote.process([{ ...records(5, 1)[0], key: 'boom' }]);
      await assert.rejects(remote.drain(), /cannot count boom/);
    } finally {
      await remote.close();
    }
  });

  it('a worker that dies fails what waits on it', async () => {
    const remote = await RemoteTopologyDriver.start({ module: MODULE, options, storeNames: ['counts'] });
    await remote.close();
    await assert.rejects(async () => remote.process(records(0, 1)), /closed/);
  });
});
