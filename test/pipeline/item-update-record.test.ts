// eddy's internal item updates in the codec layer: binary records round-trip both kinds exactly
// (what the JSON of the same update validates to), and the cheap checks after decoding refuse what
// the JSON Schema refuses, naming the field, so a binary update from elsewhere is no more trusted
// than a JSON one. The processor dead-letters such a record and applies the rest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isWireFormat, ITEM_UPDATE_V1_SCHEMA_ID } from '../../src/events/codec/index.ts';
import { schemaIdOf } from '../../src/events/codec/wire-format.ts';
import { DEFAULT_EVENT_TIME } from '../../src/events/event-time.ts';
import { EVENT_TYPES } from '../../src/events/schema.ts';
import { checkDecodedItemUpdate, decodeItemUpdateRecord, encodeItemUpdateRecord, validateItemUpdate, type ItemUpdate } from '../../src/pipeline/item-update.ts';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { TopologyTestDriver } from '../../src/stream/test-driver.ts';

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW, policy: DEFAULT_EVENT_TIME };
const id = fc.string({ minLength: 1, maxLength: 40 });
const update: fc.Arbitrary<ItemUpdate> = fc.oneof(
  fc.record({ k: fc.constant('count' as const), item: id, type: fc.constantFrom(...EVENT_TYPES), ts: fc.integer({ min: NOW - 86_400_000, max: NOW }), cat: fc.option(id, { nil: undefined }) }).map((u) => {
    const { cat, ...rest } = u;
    return cat === undefined ? rest : { ...rest, cat };
  }),
  fc.record({ k: fc.constant('pair' as const), item: id, other: id, w: fc.double({ min: 1e-9, max: 1e6, noNaN: true }) }),
);

describe('item update records', () => {
  it('round-trip both kinds to exactly what their JSON validates to, framed with the internal schema id', () => {
    fc.assert(
      fc.property(update, (u) => {
        const bytes = encodeItemUpdateRecord(u);
        assert.ok(isWireFormat(bytes));
        assert.equal(schemaIdOf(bytes), ITEM_UPDATE_V1_SCHEMA_ID);
        const decoded = decodeItemUpdateRecord(bytes);
        const viaJson = validateItemUpdate(JSON.parse(JSON.stringify(u)), clock);
        assert.ok(viaJson.ok);
        assert.deepEqual(decoded, viaJson.value);
        assert.equal(checkDecodedItemUpdate(decoded, clock), undefined);
      }),
      { numRuns: 300 },
    );
  });

  it('the checks after decoding refuse what the JSON Schema refuses, naming the field', () => {
    const count: ItemUpdate = { k: 'count', item: 'c1', type: 'click', ts: NOW };
    const pair: ItemUpdate = { k: 'pair', item: 'c1', other: 'c2', w: 0.5 };
    const cases: [ItemUpdate, RegExp][] = [
      [{ ...pair, w: Number.NaN }, /^\/w: /],
      [{ ...pair, w: 0 }, /^\/w: /],
      [{ ...pair, w: 1e13 }, /^\/w: /],
      [{ ...pair, other: 'x'.repeat(257) }, /^\/other: /],
      [{ ...count, item: 'x'.repeat(257) }, /^\/item: /],
      [{ ...count, ts: NOW + 3_600_000 }, /^\/ts: is 60 min ahead/],
      [{ ...count, ts: -5 }, /^\/ts: /],
      [{ ...count, cat: 'x'.repeat(129) }, /^\/cat: /],
    ];
    for (const [bad, problem] of cases) {
      assert.match(String(checkDecodedItemUpdate(decodeItemUpdateRecord(encodeItemUpdateRecord(bad)), clock)), problem, JSON.stringify(bad));
      assert.equal(validateItemUpdate(JSON.parse(JSON.stringify(bad)), clock).ok, false, `JSON refuses ${JSON.stringify(bad)} too`);
    }
  });

  it('the processor applies binary updates, dead-letters a bad one with the field, and still reads JSON ones', () => {
    const topics = topicNames();
    const driver = new TopologyTestDriver((c) => new PersonalizationProcessor({ topics, partitions: 1, local: false, now: c, wallClock: c }), {
      partitions: [topics.interactions, topics.contentClicks, topics.catalog].map((topic) => ({ topic, partition: 0 })),
      wallClock: NOW,
    });
    const headers = { 'eddy-kind': 'item-update' };
    const at = (value: Buffer) => ({ topic: topics.contentClicks, key: 'c1', value, partition: 0, headers });
    driver.pipe(
      at(encodeItemUpdateRecord({ k: 'count', item: 'c1', type: 'click', ts: NOW - 1000 })),
      at(encodeItemUpdateRecord({ k: 'pair', item: 'c1', other: 'c2', w: Number.NaN })),
      at(Buffer.from(JSON.stringify({ k: 'count', item: 'c1', type: 'click', ts: NOW - 500 }))),
    );
    const dead = driver.readOutput(topics.deadLetter);
    assert.equal(dead.length, 1);
    assert.match(String(dead[0].headers?.['eddy-error']), /^\/w: /);
    assert.equal(driver.processor.items.get('c1')?.total, 2);
    assert.equal(driver.processor.covis.get('c1'), undefined, 'the NaN never reaches a row');
  });
});
