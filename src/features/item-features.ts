/**
 * Item-side features: sliding-window counts (clicks and views in the last 10 minutes, activity in
 * the last 10 minutes and hour, CTR over the last hour) and forward-decayed popularity, one record
 * per item; and the item's co-visitation row, a separate record (it changes with other items).
 */
import { INTERACTION_WEIGHT } from '../events/interaction.ts';
import type { EventType } from '../events/schema.ts';
import { BucketedRing, type RingJSON, type RingSpec } from '../stream/bucketed-ring.ts';
import type { Codec } from '../stream/state-store.ts';
import { ByteReader, ByteWriter } from '../stream/state/bytes.ts';
import type { Dictionaries, IdDictionary } from '../stream/state/id-dictionary.ts';
import { SparseRow } from '../stream/state/sparse-row.ts';

const TEN_MINUTES = BucketedRing.spec(10 * 60_000, 10_000);
const ONE_HOUR = BucketedRing.spec(60 * 60_000, 60_000);

export interface ItemState {
  clicks10m: BucketedRing;
  views10m: BucketedRing;
  clicks1h: BucketedRing;
  views1h: BucketedRing;
  /** All weighted interactions, for trending. */
  activity10m: BucketedRing;
  activity1h: BucketedRing;
  /** Forward-decayed popularity: log of sum(w * exp(lambda * (ts - epoch))), comparable across items. */
  logPop: number;
  /** All-time interaction count. */
  total: number;
  last: number;
}

/** Co-visitation row of an item: neighbour -> weight, interned and in typed arrays. */
export type CovisRow = SparseRow;

export function emptyItemState(): ItemState {
  return {
    clicks10m: new BucketedRing(TEN_MINUTES),
    views10m: new BucketedRing(TEN_MINUTES),
    clicks1h: new BucketedRing(ONE_HOUR),
    views1h: new BucketedRing(ONE_HOUR),
    activity10m: new BucketedRing(TEN_MINUTES),
    activity1h: new BucketedRing(ONE_HOUR),
    logPop: Number.NEGATIVE_INFINITY,
    total: 0,
    last: 0,
  };
}

/** Counts one interaction into the item's windows. Returns false when it was too late for a window. */
export function countInteraction(item: ItemState, type: EventType, ts: number, popLambda: number): boolean {
  const w = INTERACTION_WEIGHT[type];
  if (w === 0) return true;
  let onTime = true;
  if (type === 'click') {
    onTime = item.clicks10m.add(ts) && onTime;
    item.clicks1h.add(ts);
  } else if (type === 'view') {
    onTime = item.views10m.add(ts) && onTime;
    item.views1h.add(ts);
  }
  onTime = item.activity10m.add(ts, w) && onTime;
  item.activity1h.add(ts, w);
  item.logPop = logAddExp(item.logPop, Math.log(w) + popLambda * ts);
  item.total += 1;
  if (ts > item.last) item.last = ts;
  return onTime;
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * Adds weight to a co-visitation row (it is cut back to its `cap` strongest neighbours when it
 * passes twice that, see SparseRow).
 */
export function addCovisitation(row: CovisRow, neighbour: string, weight: number): void {
  row.add(neighbour, weight);
}

/**
 * The row's prune count. Neighbours keep their positions and new ones are appended until the next
 * prune: so a reader may remember per-position work for the first n neighbours of a row for as long
 * as this number stays the same.
 */
export function covisRowEpoch(row: CovisRow): number {
  return row.epoch;
}

/** Codec of co-visitation rows: the partition (whose dictionary the ids are in), then the row. */
export function covisRowCodec(dictionaries: Dictionaries): Codec<CovisRow> {
  return {
    encode(row) {
      const w = new ByteWriter(16 + row.size * 6);
      w.uint(row.dictionary.partition);
      row.encode(w);
      return w.finish();
    },
    decode(bytes) {
      const r = new ByteReader(bytes);
      const row = SparseRow.decode(r, dictionaries.of(r.uint()));
      r.end();
      return row;
    },
  };
}

/** The highest interned id a decoded value refers to, and its partition: what a reader must know of the dictionary. */
export function dictionaryNeed(value: { dictionary: IdDictionary; maxId(): number }): { partition: number; maxId: number } {
  return { partition: value.dictionary.partition, maxId: value.maxId() };
}

/** The item features reported by `GET /v1/items/:id/features`, at stream time `now`. */
export function itemFeatureValues(item: ItemState, now: number) {
  const clicks1h = item.clicks1h.sum(now);
  const views1h = item.views1h.sum(now);
  return {
    clicks_10m: item.clicks10m.sum(now),
    views_10m: item.views10m.sum(now),
    clicks_1h: clicks1h,
    views_1h: views1h,
    // Smoothed so that one view and one click does not read as a 100% CTR.
    ctr_1h: Math.round(((clicks1h + 0.5) / (views1h + 10)) * 1e4) / 1e4,
    activity_10m: item.activity10m.sum(now),
    activity_1h: item.activity1h.sum(now),
    interactions_total: item.total,
    last_interaction: item.last > 0 ? new Date(item.last).toISOString() : null,
  };
}

type ItemJSON = Pick<ItemState, 'total' | 'last'> & {
  rings: RingJSON[];
  logPop: number | null;
};

const RING_KEYS = ['clicks10m', 'views10m', 'clicks1h', 'views1h', 'activity10m', 'activity1h'] as const;

/** Codec for item state: rings in their compact form. */
export const itemStateCodec: Codec<ItemState> = {
  encode(item) {
    const json: ItemJSON = {
      rings: RING_KEYS.map((k) => item[k].toJSON()),
      logPop: Number.isFinite(item.logPop) ? item.logPop : null,
      total: item.total,
      last: item.last,
    };
    return Buffer.from(JSON.stringify(json));
  },
  decode(bytes) {
    const json = JSON.parse(bytes.toString('utf8')) as ItemJSON;
    const state = emptyItemState();
    RING_KEYS.forEach((k, i) => (state[k] = BucketedRing.fromJSON(json.rings[i])));
    state.logPop = json.logPop ?? Number.NEGATIVE_INFINITY;
    state.total = json.total;
    state.last = json.last;
    return state;
  },
};

export type { RingSpec };
