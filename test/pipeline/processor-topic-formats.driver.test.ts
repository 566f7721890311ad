// The record format chosen per input topic (`topicFormats`): `auto` takes both encodings, `avro`
// only the Confluent wire format, `json` only JSON; a record in the other one is dead-lettered with
// a reason naming the topic and the setting, and its neighbours still count. eddy's own item
// updates on content_clicks are internal records, taken whatever the topic's format. Ingest writes
// a `json` topic as JSON, and the processor reads it back to the same features.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEventRecord, encodeItemRecord, isWireFormat, type AcceptedEvent } from '../../src/events/codec/index.ts';
import type { TopicFormats } from '../../src/events/codec/topic-format.ts';
import type { AppendRecord, Log } from '../../src/log/types.ts';
import { Ingest } from '../../src/pipeline/ingest.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { TopologyTestDriver, type TestRecord } from '../../src/stream/test-driver.ts';

const topics = topicNames();
const PARTITIONS = 2;
const T0 = 1_700_000_000_000;
const NOW = T0 + 60_000;
const assigned = [topics.interactions, topics.contentClicks, topics.catalog].flatMap((topic) => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));

const open = (topicFormats: TopicFormats, local = true) =>
  new TopologyTestDriver((clock) => new PersonalizationProcessor({ topics, partitions: PARTITIONS, local, now: clock, wallClock: clock, config: { ...DEFAULT_PROCESSING, topicFormats } }), {
    partitions: assigned,
    wallClock: NOW,
  });

const event = (i: number): AcceptedEvent => ({ user_id: `u${i % 2}`, session_id: 's', timestamp: T0 + i * 1000, event_type: 'click', content_id: `c${i % 3}`, ingested_at: NOW });
const record = (topic: string, e: AcceptedEvent, format: 'json' | 'avro'): TestRecord => ({
  topic,
  key: topic === topics.interactions ? e.user_id : e.content_id!,
  value: format === 'avro' ? encodeEventRecord(e) : Buffer.from(JSON.stringify(e)),
  partition: 0,
});

describe('input formats per topic', () => {
  it('auto takes both encodings', () => {
    const driver = open({});
    driver.pipe(record(topics.interactions, event(1), 'avro'), record(topics.interactions, event(2), 'json'));
    assert.equal(driver.processor.stats.processed, 2);
    assert.equal(driver.readOutput(topics.deadLetter).length, 0);
  });

  for (const [format, other] of [['avro', 'json'], ['json', 'avro']] as const) {
    it(`${format} dead-letters the other encoding on every input topic, naming the topic and the setting`, () => {
      const driver = open({ user_interactions: format, content_clicks: format, content_catalog: format });
      const item = { content_id: 'c9', category: 'news' };
      driver.pipe(
        record(topics.interactions, event(1), other),
        record(topics.interactions, event(2), format),
        record(topics.contentClicks, event(3), other),
        { topic: topics.catalog, key: 'c9', value: other === 'avro' ? encodeItemRecord(item) : Buffer.from(JSON.stringify(item)), partition: 0 },
      );
      const dead = driver.readOutput(topics.deadLetter);
      assert.equal(dead.length, 3, dead.map((d) => d.headers?.['eddy-error']).join('\n'));
      for (const d of dead) {
        assert.equal(d.headers?.['eddy-error-code'], 'EDDY_CORRUPT_RECORD');
        assert.match(String(d.headers?.['eddy-error']), new RegExp(`topicFormats: ${format}`));
      }
      assert.deepEqual(dead.map((d) => String(d.headers?.['eddy-error']).match(/(user_interactions|content_clicks|content_catalog) takes/)?.[1]).sort(), ['content_catalog', 'content_clicks', 'user_interactions']);
      assert.equal(driver.processor.stats.processed, 1, 'the record in the topic\'s format counts');
      assert.equal(driver.processor.catalog.get('c9'), undefined);
    });
  }

  it('item updates eddy routes through content_clicks are taken whatever its format', () => {
    const driver = open({ user_interactions: 'avro', content_clicks: 'avro' }, false);
    driver.pipe(record(topics.interactions, event(1), 'avro'));
    const updates = driver.readOutput(topics.contentClicks);
    assert.ok(updates.length > 0);
    driver.pipe(...updates.map((u) => ({ ...u, partition: 0 }) as TestRecord));
    assert.equal(driver.readOutput(topics.deadLetter).length, 0);
    assert.ok(driver.processor.items.get('c1') !== undefined);
  });

  it('ingest writes a json topic as JSON (ingested_at last) and the wire format elsewhere; both read back to the same features', async () => {
    const features = async (topicFormats: TopicFormats) => {
      // What ingest appends, as the log would take it (the subject here is the encoding).
      const written: AppendRecord[] = [];
      const log = { append: async (records: readonly AppendRecord[]) => (written.push(...records), { duplicate: records.map(() => false) }) } as unknown as Log;
      const ingest = new Ingest({ log, topics, now: () => NOW, topicFormats });
      await ingest.items([{ content_id: 'c1', category: 'tech' }]);
      await ingest.events([1, 2, 3].map((i) => ({ ...event(i), ingested_at: undefined })));
      const driver = open(topicFormats);
      driver.pipe(...written.map((r) => ({ topic: r.topic, key: r.key, value: r.value as Buffer, partition: 0 })));
      return { written, user: JSON.stringify(driver.processor.users.get('u1')), item: JSON.stringify(driver.processor.items.get('c1')), catalog: driver.processor.catalog.get('c1')?.category, stats: driver.processor.stats };
    };
    const json = await features({ user_interactions: 'json', content_catalog: 'json' });
    const wire = await features({});
    assert.ok(json.written.every((r) => !isWireFormat(r.value as Buffer)));
    assert.ok(json.written.filter((r) => r.topic === topics.interactions).every((r) => /"ingested_at":\d+\}$/.test(r.value.toString())));
    assert.ok(wire.written.every((r) => isWireFormat(r.value as Buffer)));
    assert.equal(json.catalog, 'tech');
    assert.equal(json.stats.processed, 3);
    assert.deepEqual({ ...json, written: undefined }, { ...wire, written: undefined });
  });
});
