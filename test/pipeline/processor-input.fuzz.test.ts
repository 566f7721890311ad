/**
 * The Kafka decoding path, fuzzed: any producer of the cluster may write any bytes to any topic the
 * processor reads (user_interactions, content_clicks with or without the item-update header,
 * content_catalog). The processor must never throw, must dead-letter what it cannot take (with a
 * reason naming the field), must not let a record move stream time beyond the clock, poison a
 * co-visitation row or a window, or pollute a prototype; valid records mixed in still count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { TopologyTestDriver, type TestRecord } from '../../src/stream/test-driver.ts';

const topics = topicNames('fz-');
const now = Date.now();

const bytesOf = (s: string) => Buffer.from(s);
const hostileJson = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.jsonValue().map((v) => bytesOf(JSON.stringify(v) ?? 'null')),
  fc.integer({ min: 9, max: 20_000 }).map((d) => bytesOf(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => bytesOf(`{"${k}":{"polluted":1},"user_id":"u","session_id":"s","timestamp":${now},"event_type":"click","content_id":"c"}`)),
  fc.constantFrom('1e308', '1e400', String(now + 3600_000), '0', '"2031-01-01T00:00:00Z"').map((ts) =>
    bytesOf(`{"user_id":"u","session_id":"s","timestamp":${ts},"event_type":"click","content_id":"c"}`),
  ),
  // Item updates as another producer might forge them.
  fc.constantFrom(
    '{"k":"pair","item":"c1","other":"c2","w":"NaN"}',
    '{"k":"pair","item":"c1","other":"c2","w":1e400}',
    '{"k":"pair","item":"__proto__","other":"c2","w":-1}',
    `{"k":"count","item":"c1","type":"click","ts":1e308}`,
    `{"k":"count","item":"c1","type":"teleport","ts":${now}}`,
    '{"k":"count","item":{"x":1},"type":"click","ts":1}',
  ).map(bytesOf),
);

const validEvent = fc.nat({ max: 9 }).map((k) => bytesOf(JSON.stringify({ user_id: `u${k}`, session_id: 's', timestamp: now - k, event_type: 'click', content_id: `c${k}` })));

const recordArb = fc.oneof(
  fc.record({ topic: fc.constant(topics.interactions), value: fc.oneof(hostileJson, validEvent), itemUpdate: fc.constant(false) }),
  fc.record({ topic: fc.constant(topics.contentClicks), value: fc.oneof(hostileJson, validEvent), itemUpdate: fc.boolean() }),
  fc.record({ topic: fc.constant(topics.catalog), value: hostileJson, itemUpdate: fc.constant(false) }),
);

describe('processor input from any producer, fuzzed', () => {
  it('never throws, dead-letters what it cannot take, keeps time, rows and prototypes sane', () => {
    for (const local of [true, false]) {
      const driver = new TopologyTestDriver(() => new PersonalizationProcessor({ topics, partitions: 4, local }), {
        partitions: [0, 1, 2, 3].map((partition) => ({ topic: topics.interactions, partition })),
        wallClock: now,
      });
      const { processor } = driver;
      let n = 0;
      fc.assert(
        fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), (specs) => {
          const records: TestRecord[] = specs.map((s) => ({
            topic: s.topic,
            partition: n++ % 4,
            key: 'k',
            value: s.value,
            timestamp: now,
            headers: s.itemUpdate ? { 'eddy-kind': 'item-update' } : ({} as Record<string, string>),
          }));
          const deadBefore = processor.stats.deadLettered;
          driver.pipe(...records);
          driver.commit();
          const outputs = driver.readOutput();
          for (const dead of outputs.filter((o) => o.topic === topics.deadLetter)) assert.match(String(dead.headers?.['eddy-error']), /^\/[^:]*: /);
          assert.ok(processor.stats.deadLettered >= deadBefore);
          assert.ok(processor.stats.streamTime <= Date.now() + 5 * 60_000, 'no record moves stream time past the allowed skew');
        }),
        { numRuns: 300 },
      );
      for (const [id, row] of processor.covis.entries()) for (const [, w] of row) assert.ok(Number.isFinite(w) && w > 0, `covis row ${id}`);
      for (const [id, item] of processor.items.entries()) assert.ok(item.last <= Date.now() + 5 * 60_000, `item ${id}`);
      assert.ok(processor.stats.processed > 0, 'valid records mixed in were processed');
      for (const proto of [Object.prototype, Array.prototype]) assert.equal((proto as { polluted?: unknown }).polluted, undefined);
    }
  });
});
