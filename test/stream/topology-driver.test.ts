// The processor API and its drivers, on a small counting topology: records in, state and records
// out, punctuations on both clocks, commits, and a restart that restores exactly what was committed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRecord, TopicPartition } from '../../src/log/types.ts';
import { TopologyDriver } from '../../src/stream/driver.ts';
import { KeyValueStore } from '../../src/stream/state-store.ts';
import { TopologyTestDriver } from '../../src/stream/test-driver.ts';
import type { Processor, ProcessorContext } from '../../src/stream/topology.ts';

/** Counts records per key; every 10 s of stream time forwards the totals; every minute of wall clock a heartbeat. */
class Counter implements Processor {
  readonly counts = new KeyValueStore<number>('counts');
  readonly stores = [this.counts] as KeyValueStore<unknown>[];
  maxTs = Number.NEGATIVE_INFINITY;
  flushes = 0;
  heartbeats: number[] = [];
  private store!: KeyValueStore<number>;

  init(context: ProcessorContext): void {
    this.store = context.getStateStore<number>('counts');
    context.schedule(10_000, 'stream-time', (t) => context.forward({ topic: 'totals', key: String(t), value: Buffer.from(JSON.stringify(Object.fromEntries(this.store.entries()))) }));
    context.schedule(60_000, 'wall-clock', (t) => this.heartbeats.push(t));
  }

  process(records: readonly LogRecord[], context: ProcessorContext): void {
    for (const r of records) {
      const ts = Number(JSON.parse(r.value.toString()));
      if (ts > this.maxTs) this.maxTs = ts;
      this.store.put(r.key, r.partition, (this.store.get(r.key) ?? 0) + 1);
      if (r.key === 'urgent') context.commit();
    }
  }

  flush(): void {
    this.flushes++;
  }

  streamTime(): number {
    return this.maxTs;
  }
}

const partitions: TopicPartition[] = [{ topic: 'in', partition: 0 }, { topic: 'in', partition: 1 }];
const T0 = 1_700_000_000_000;
const at = (key: string, ts: number, partition = 0) => ({ topic: 'in', key, value: String(ts), partition });

describe('topology driver', () => {
  it('records in, state out; stream-time punctuation follows the processor’s stream time, once per batch', () => {
    const driver = new TopologyTestDriver(() => new Counter(), { partitions, wallClock: T0 });
    driver.pipe(at('a', T0), at('b', T0 + 1000));
    assert.equal(driver.store<number>('counts').get('a'), 1);
    // Armed at the stream time of the first batch's end: due 10 s of stream time after it.
    assert.deepEqual(driver.readOutput('totals'), []);
    driver.pipe(at('a', T0 + 10_999));
    assert.deepEqual(driver.readOutput('totals'), [], 'not due before 10 s of stream time');
    driver.pipe(at('a', T0 + 11_000));
    const [total] = driver.readOutput('totals');
    assert.equal(total.key, String(T0 + 11_000));
    assert.deepEqual(JSON.parse(total.value!.toString()), { a: 3, b: 1 });
    // An hour of stream time at once: one punctuation, not 360.
    driver.pipe(at('a', T0 + 3_600_000));
    assert.equal(driver.readOutput('totals').length, 1);
  });

  it('wall-clock punctuation fires as the clock moves, also without records', () => {
    const driver = new TopologyTestDriver(() => new Counter(), { partitions, wallClock: T0 });
    driver.advanceWallClock(59_999);
    assert.deepEqual(driver.processor.heartbeats, []);
    driver.advanceWallClock(1);
    assert.deepEqual(driver.processor.heartbeats, [T0 + 60_000]);
    driver.advanceWallClock(600_000);
    assert.equal(driver.processor.heartbeats.length, 2, 'a long pause fires once');
  });

  it('a commit carries each changed key once, after the processor’s flush; a restart restores exactly what was committed', () => {
    const driver = new TopologyTestDriver(() => new Counter(), { partitions, wallClock: T0 });
    driver.pipe(at('a', T0), at('a', T0 + 1), at('b', T0 + 2, 1));
    const first = driver.commit();
    assert.equal(driver.processor.flushes, 1);
    assert.deepEqual(first.state.map((w) => [w.key, w.partition, JSON.parse(w.value!.toString())]).sort(), [['a', 0, 2], ['b', 1, 1]]);
    assert.deepEqual(driver.commit().state, [], 'nothing changed since');
    driver.pipe(at('a', T0 + 3), at('c', T0 + 4));
    // Crash before the commit: the restarted processor sees the committed state only.
    const restarted = driver.restart();
    assert.equal(restarted.store<number>('counts').get('a'), 2);
    assert.equal(restarted.store<number>('counts').get('c'), undefined);
    assert.equal(restarted.store<number>('counts').get('b'), 1);
  });

  it('the processor can ask for a commit; stores are named; a discard forgets the batch', () => {
    const counter = new Counter();
    const driver = new TopologyDriver(counter, { wallClock: () => T0 });
    const record = (key: string, offset: number): LogRecord => ({ topic: 'in', partition: 0, offset, key, value: Buffer.from(String(T0)), timestamp: T0, headers: {} });
    driver.process([record('a', 0)]);
    assert.equal(driver.commitRequested, false);
    driver.process([record('urgent', 1)]);
    assert.equal(driver.commitRequested, true);
    assert.equal(driver.drain().state.length, 2);
    assert.equal(driver.commitRequested, false);
    assert.throws(() => driver.context.getStateStore('nope'), /no state store named nope \(declared: counts\)/);
    assert.throws(() => driver.context.schedule(0, 'wall-clock', () => {}), /intervalMs must be > 0/);
    driver.process([record('b', 2)]);
    driver.discard();
    assert.deepEqual(driver.drain().state, []);
  });

  it('revoked partitions leave every store', () => {
    const driver = new TopologyTestDriver(() => new Counter(), { partitions, wallClock: T0 });
    driver.pipe(at('a', T0, 0), at('b', T0, 1));
    const inner = (driver as unknown as { driver: TopologyDriver }).driver;
    inner.revoked([{ topic: 'in', partition: 1 }]);
    assert.equal(driver.store<number>('counts').get('a'), 1);
    assert.equal(driver.store<number>('counts').has('b'), false);
  });
});
