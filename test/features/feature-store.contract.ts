// The FeatureStore contract: one scenario, run through a real PersonalizationProcessor, and the same
// assertions for every store (in-process and Redis). Each store must answer what the processor's
// own state says, and the concrete values the scenario was built to produce.
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FeatureStore } from '../../src/features/feature-store.ts';
import { itemFeatureValues, type ItemState } from '../../src/features/item-features.ts';
import { partitionFor } from '../../src/log/partitioner.ts';
import type { LogRecord } from '../../src/log/types.ts';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';

/** The scenario's stream time: its newest event. */
export const T = Date.parse('2026-11-28T10:00:00.000Z');
export const PARTITIONS = 4;
const MIN = 60_000;

const CATALOG: [string, string][] = [
  ['c1', 'sports'], ['c2', 'sports'], ['c3', 'news'], ['c4', 'news'],
  ['c5', 'tech'], ['c6', 'tech'], ['c7', 'sports'], ['c8', 'news'],
];

// [user, type, content, minutes before T, event_id?]
const EVENTS: [string, string, string | undefined, number, string?][] = [
  ['u5', 'click', 'c8', 120], // two hours old: not an active item any more
  ['u4', 'view', 'c6', 30],
  ['u4', 'click', 'c6', 20, 'e-dup'],
  ['u4', 'click', 'c6', 20, 'e-dup'], // a duplicate: no effect
  ['u1', 'session_start', undefined, 10],
  ['u1', 'view', 'c1', 9],
  ['u1', 'click', 'c1', 8],
  ['u1', 'click', 'c2', 7],
  ['u1', 'like', 'c3', 5],
  ['u2', 'click', 'c1', 6],
  ['u2', 'click', 'c2', 5],
  ['u2', 'view', 'c5', 4],
  ['u2', 'click', 'c5', 3],
  ['u3', 'click', 'c1', 2],
  ['u3', 'share', 'c4', 1],
  ['u3', 'click', 'c7', 0],
];

/** The scenario as log records (catalogue first), with per-partition offsets as a log assigns them. */
export function scenarioRecords(): LogRecord[] {
  const topics = topicNames();
  const next = new Map<string, number>();
  const record = (topic: string, key: string, value: object, timestamp: number): LogRecord => {
    const partition = partitionFor(key, PARTITIONS);
    const offset = next.get(`${topic}/${partition}`) ?? 0;
    next.set(`${topic}/${partition}`, offset + 1);
    return { topic, partition, offset, key, value: Buffer.from(JSON.stringify(value)), timestamp, headers: {} };
  };
  const records = CATALOG.map(([id, category]) =>
    record(topics.catalog, id, { content_id: id, category, title: `Item ${id}`, tags: [category], published_at: '2026-11-27T08:00:00.000Z' }, T - 3 * 3600_000),
  );
  for (const [user, type, content, minutes, eventId] of EVENTS) {
    const ts = T - minutes * MIN;
    const event = {
      ...(eventId !== undefined && { event_id: eventId }),
      user_id: user,
      session_id: `s-${user}`,
      timestamp: new Date(ts).toISOString(),
      event_type: type,
      ...(content !== undefined && { content_id: content }),
      device_type: 'mobile',
    };
    records.push(record(topics.interactions, user, event, ts));
  }
  return records;
}

/** A processor (all partitions, embedded mode) that has processed the scenario. */
export function processedScenario(): { processor: PersonalizationProcessor; records: LogRecord[] } {
  const processor = new PersonalizationProcessor({ topics: topicNames(), partitions: PARTITIONS, local: true, now: () => T });
  const records = scenarioRecords();
  processor.process(records, { forward: () => {} });
  return { processor, records };
}

/** A store under test, opened over a processor that processed the scenario. */
export interface ContractSubject {
  readonly store: FeatureStore;
  close(): Promise<void>;
}

/** Plain data of a value (class instances and typed arrays compared by their JSON). */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function itemView(item: ItemState | undefined) {
  if (item === undefined) return undefined;
  const rings = [item.clicks10m, item.views10m, item.clicks1h, item.views1h, item.activity10m, item.activity1h].map((r) => r.toJSON());
  return { features: itemFeatureValues(item, T), rings, logPop: item.logPop, total: item.total, last: item.last };
}

/** Runs the contract against the store `open` returns for a processor that processed the scenario. */
export function featureStoreContract(name: string, open: (processor: PersonalizationProcessor, records: readonly LogRecord[]) => Promise<ContractSubject>): void {
  describe(`FeatureStore contract: ${name}`, () => {
    let processor: PersonalizationProcessor;
    let subject: ContractSubject;
    let store: FeatureStore;
    before(async () => {
      const scenario = processedScenario();
      processor = scenario.processor;
      subject = await open(processor, scenario.records);
      store = subject.store;
    });
    after(() => subject?.close());

    it('reads user state as the processor holds it; an unknown user is undefined', async () => {
      const u1 = await store.user('u1');
      deepStrictEqual(plain(u1), plain(processor.users.get('u1')));
      deepStrictEqual(u1!.recent.map(([id]) => id), ['c1', 'c1', 'c2', 'c3']);
      strictEqual((await store.user('u4'))!.n, 2, 'the duplicate event_id counted once');
      strictEqual(await store.user('nobody'), undefined);
    });

    it('reads item states: window counts, popularity, totals', async () => {
      const ids = ['c1', 'c2', 'c6', 'c8', 'missing'];
      const items = await store.items(ids);
      deepStrictEqual(items.map(itemView), ids.map((id) => itemView(processor.items.get(id))));
      const [c1, c2, c6, c8, missing] = items.map((i) => (i === undefined ? undefined : itemFeatureValues(i, T)));
      strictEqual(c1!.clicks_10m, 3);
      strictEqual(c1!.views_10m, 1);
      strictEqual(c2!.clicks_10m, 2);
      strictEqual(c6!.clicks_10m, 0, 'twenty minutes ago: outside 10 minutes');
      strictEqual(c6!.clicks_1h, 1);
      strictEqual(c8!.clicks_1h, 0);
      strictEqual(c8!.interactions_total, 1);
      strictEqual(missing, undefined);
    });

    it('reads co-visitation rows (weights as the changelog codec keeps them)', async () => {
      const ids = ['c1', 'c2', 'c5', 'missing'];
      const rows = await store.covis(ids);
      strictEqual(rows[3], undefined);
      for (let i = 0; i < 3; i++) {
        const expected = processor.covis.get(ids[i])!;
        const row = rows[i]!;
        deepStrictEqual([...row.keys()].sort(), [...expected.keys()].sort(), ids[i]);
        // The Avro codec stores weights as 32-bit floats: equal to ~7 significant digits.
        for (const [k, w] of expected) ok(Math.abs(row.get(k)! - w) <= 1e-6 * Math.abs(w), `${ids[i]}->${k}: ${row.get(k)} vs ${w}`);
      }
      ok(rows[1]!.has('c1'), 'c2 was read right after c1 by two users');
      ok(rows[2]!.has('c2'), 'u2 went from c2 to c5');
    });

    it('reads catalogue entries', async () => {
      const entries = await store.catalog(['c1', 'c4', 'missing']);
      deepStrictEqual(entries, [processor.catalog.get('c1'), processor.catalog.get('c4'), undefined]);
      deepStrictEqual(entries[0], { content_id: 'c1', category: 'sports', tags: ['sports'], title: 'Item c1', publishedAt: Date.parse('2026-11-27T08:00:00.000Z'), addedAt: T });
    });

    it('answers popular lists overall and per category, best first', async () => {
      for (const [category, n] of [[undefined, 3], [undefined, 100], ['sports', 2], ['news', 10], ['tech', 10]] as const) {
        const got = await store.popular(category, n);
        deepStrictEqual(plain(got), plain(processor.popularity.top(category).slice(0, n)), `${category ?? '*'} top ${n}`);
      }
      deepStrictEqual((await store.popular(undefined, 100)).map((s) => s.id).sort(), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8']);
      strictEqual((await store.popular(undefined, 1))[0].id, 'c1', 'the most interactions, and recent');
      deepStrictEqual((await store.popular('sports', 10)).map((s) => s.id).sort(), ['c1', 'c2', 'c7']);
      deepStrictEqual(await store.popular('no-such-category', 5), []);
      deepStrictEqual((await store.categories()).sort(), ['news', 'sports', 'tech']);
    });

    it('reports stream time and the items active in the last hour', async () => {
      strictEqual(await store.streamTime(), T);
      deepStrictEqual((await store.activeItems()).sort(), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    });
  });
}
