/**
 * The item features: one registry of declarative units (./item/, one file each: sliding-window
 * counts, CTR, forward-decayed popularity, totals), the item state that holds one state primitive
 * per unit, and its binary changelog codec. Adding a window is one file in ./item/ plus its line in
 * ITEM_FEATURE_UNITS; nothing here or in the processor changes.
 * The item's co-visitation row is a separate record (it changes with other items' events).
 */
import { INTERACTION_WEIGHT } from '../events/interaction.ts';
import type { EventType } from '../events/schema.ts';
import type { RingJSON, RingSpec } from '../stream/bucketed-ring.ts';
import type { Codec } from '../stream/state-store.ts';
import { ByteReader, ByteWriter } from '../stream/state/bytes.ts';
import type { ForwardDecayedSum } from '../stream/state/forward-decayed-sum.ts';
import type { Dictionaries, IdDictionary } from '../stream/state/id-dictionary.ts';
import type { Count, Scalar } from '../stream/state/scalar.ts';
import { SlidingCounter } from '../stream/state/sliding-counter.ts';
import { SparseRow } from '../stream/state/sparse-row.ts';
import { activity10m } from './item/activity-10m.ts';
import { activity1h } from './item/activity-1h.ts';
import { clicks10m } from './item/clicks-10m.ts';
import { clicks1h } from './item/clicks-1h.ts';
import { ctr1h } from './item/ctr-1h.ts';
import type { DerivedItemFeature, ItemCount, ItemFeature, ItemFeatureConfig, StatePrimitive } from './item/feature.ts';
import { interactionsTotal } from './item/interactions-total.ts';
import { lastInteraction } from './item/last-interaction.ts';
import { popularity } from './item/popularity.ts';
import { views10m } from './item/views-10m.ts';
import { views1h } from './item/views-1h.ts';

export type { ItemCount, ItemFeatureConfig } from './item/feature.ts';
export { logAddExp } from '../stream/state/forward-decayed-sum.ts';

/**
 * Every item feature, in the order the features API reports them. The stateful ones' state is
 * committed in this order: append new features at the end (state committed before a feature
 * existed reads as its empty state); reordering or removing one changes the format.
 */
export const ITEM_FEATURE_UNITS = [clicks10m, views10m, clicks1h, views1h, ctr1h, activity10m, activity1h, popularity, interactionsTotal, lastInteraction] as const;

type Unit = (typeof ITEM_FEATURE_UNITS)[number];
type AnyFeature = ItemFeature<StatePrimitive, string, unknown>;
type AnyUnit = AnyFeature | DerivedItemFeature;

const isDerived = (unit: AnyUnit): unit is DerivedItemFeature => 'reads' in unit;
const UNITS = ITEM_FEATURE_UNITS as unknown as readonly AnyUnit[];
/** The features that own state, in changelog order. */
const STATEFUL: readonly AnyFeature[] = UNITS.filter((u): u is AnyFeature => !isDerived(u));
/** How each slot is written: the feature's own form, else its primitive's (chosen once, not per write). */
const ENCODERS: readonly ((state: StatePrimitive, w: ByteWriter) => void)[] = STATEFUL.map((f) => f.encode ?? ((state, w) => state.encode(w)));
const SLOT = new Map<AnyUnit, number>(STATEFUL.map((f, i) => [f, i]));
/** Slot of a feature; resolved once at load, so that the getters below are one array read. */
const slotOf = (feature: AnyUnit): number => {
  const slot = SLOT.get(feature);
  if (slot === undefined) throw new Error(`item feature ${feature.name} is not in ITEM_FEATURE_UNITS`);
  return slot;
};
const CLICKS_10M = slotOf(clicks10m);
const VIEWS_10M = slotOf(views10m);
const CLICKS_1H = slotOf(clicks1h);
const VIEWS_1H = slotOf(views1h);
const ACTIVITY_10M = slotOf(activity10m);
const ACTIVITY_1H = slotOf(activity1h);
const POPULARITY = slotOf(popularity);
const TOTAL = slotOf(interactionsTotal);
const LAST = slotOf(lastInteraction);

/** The first byte of an item state: its format. Legacy JSON state begins with `{` (0x7b). */
const FORMAT = 1;
const LEGACY_JSON = 0x7b;

/**
 * One item's state: a primitive per stateful feature. The named getters are what the processor,
 * serving, trending and the Redis store read; anything else is `of(feature)`.
 */
export class ItemState {
  private readonly slots: StatePrimitive[];

  constructor(slots?: StatePrimitive[]) {
    this.slots = slots ?? STATEFUL.map((f) => f.init());
  }

  /** The state of one feature. */
  of<S extends StatePrimitive>(feature: ItemFeature<S, string, unknown>): S {
    return this.slots[slotOf(feature as unknown as AnyFeature)] as S;
  }

  get clicks10m(): SlidingCounter {
    return this.slots[CLICKS_10M] as SlidingCounter;
  }
  get views10m(): SlidingCounter {
    return this.slots[VIEWS_10M] as SlidingCounter;
  }
  get clicks1h(): SlidingCounter {
    return this.slots[CLICKS_1H] as SlidingCounter;
  }
  get views1h(): SlidingCounter {
    return this.slots[VIEWS_1H] as SlidingCounter;
  }
  /** All weighted interactions, for trending. */
  get activity10m(): SlidingCounter {
    return this.slots[ACTIVITY_10M] as SlidingCounter;
  }
  get activity1h(): SlidingCounter {
    return this.slots[ACTIVITY_1H] as SlidingCounter;
  }
  /** Forward-decayed popularity: log of sum(w * exp(lambda * (ts - epoch))), comparable across items. */
  get logPop(): number {
    return (this.slots[POPULARITY] as ForwardDecayedSum).logValue;
  }
  /** All-time interaction count. */
  get total(): number {
    return (this.slots[TOTAL] as Count).value;
  }
  /** Event time of the newest interaction (0 before the first). */
  get last(): number {
    return (this.slots[LAST] as Scalar).value;
  }

  /**
   * Folds one count into every feature. An interaction without weight (session start or end)
   * changes nothing. Returns false when it was too late for one of the windows.
   */
  update(count: ItemCount, config: ItemFeatureConfig): boolean {
    if (INTERACTION_WEIGHT[count.type] === 0) return true;
    let onTime = true;
    // Every feature sees the count, also after one found it late: a longer window may still hold it.
    for (let i = 0; i < STATEFUL.length; i++) if (!STATEFUL[i].update(this.slots[i], count, config)) onTime = false;
    return onTime;
  }

  /** What `feature` reports at stream time `now` (a derived feature: from the values it reads). */
  valueOf(feature: AnyUnit, now: number): unknown {
    if (isDerived(feature)) return feature.value(feature.reads.map((f) => this.valueOf(f, now) as number));
    return feature.value?.(this.slots[slotOf(feature)], now);
  }

  /** Bytes held in memory by the state's primitives. */
  sizeBytes(): number {
    let bytes = 32 + 8 * this.slots.length;
    for (const s of this.slots) bytes += s.sizeBytes();
    return bytes;
  }

  /** The format byte, then each stateful feature's primitive in ITEM_FEATURE_UNITS order. */
  encode(w: ByteWriter): void {
    w.uint(FORMAT);
    for (let i = 0; i < this.slots.length; i++) ENCODERS[i](this.slots[i], w);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    STATEFUL.forEach((f, i) => (out[f.name] = this.slots[i].toJSON()));
    return out;
  }
}

export function emptyItemState(): ItemState {
  return new ItemState();
}

/** Counts one interaction into the item's features. Returns false when it was too late for a window. */
export function countInteraction(item: ItemState, type: EventType, ts: number, popLambda: number): boolean {
  return item.update({ type, ts }, { popularityLambda: popLambda });
}

/** Codec for item state: binary, as the features' primitives encode themselves (see ItemState.encode). */
export const itemStateCodec: Codec<ItemState> = {
  encode(item) {
    // Most items commit in well under 200 bytes: one allocation, rarely a second.
    const w = new ByteWriter(192);
    item.encode(w);
    return w.finish();
  },
  decode(bytes) {
    if (bytes[0] === LEGACY_JSON) return decodeLegacyJson(bytes);
    const r = new ByteReader(bytes);
    const format = r.uint();
    if (format !== FORMAT) throw new RangeError(`item state: unknown format ${format}`);
    // A feature appended after the state was written finds no bytes: it starts empty.
    const state = new ItemState(STATEFUL.map((f) => (r.done ? f.init() : f.decode(r))));
    r.end();
    return state;
  },
};

/** Item state as it was committed before the binary codec (JSON of the six rings), read once on upgrade. */
function decodeLegacyJson(bytes: Buffer): ItemState {
  const json = JSON.parse(bytes.toString('utf8')) as { rings: RingJSON[]; logPop: number | null; total: number; last: number };
  const slots = STATEFUL.map((f) => f.init());
  [CLICKS_10M, VIEWS_10M, CLICKS_1H, VIEWS_1H, ACTIVITY_10M, ACTIVITY_1H].forEach((slot, i) => (slots[slot] = SlidingCounter.fromJSON(json.rings[i])));
  (slots[POPULARITY] as ForwardDecayedSum).logValue = json.logPop ?? Number.NEGATIVE_INFINITY;
  (slots[TOTAL] as Count).value = json.total;
  (slots[LAST] as Scalar).value = json.last;
  return new ItemState(slots);
}

/** The features the API reports, in its order. */
const REPORTED: readonly AnyUnit[] = UNITS.filter((u) => isDerived(u) || u.value !== undefined);

/** The value a unit reports (derived: from the values of the features it reads). */
type ValueOf<U> =
  U extends DerivedItemFeature<string, infer V> ? V : U extends ItemFeature<StatePrimitive, string, infer V> ? V : never;
/** The answer of `GET /v1/items/:id/features`, typed from ITEM_FEATURE_UNITS (features that report nothing left out). */
export type ItemFeatureValues = { [U in Unit as [ValueOf<U>] extends [never] ? never : U['name']]: ValueOf<U> };

/** The item features reported by `GET /v1/items/:id/features`, at stream time `now`. */
export function itemFeatureValues(item: ItemState, now: number): ItemFeatureValues {
  const out: Record<string, unknown> = {};
  for (const unit of REPORTED) out[unit.name] = item.valueOf(unit, now);
  return out as ItemFeatureValues;
}

/** Co-visitation row of an item: neighbour -> weight, interned and in typed arrays. */
export type CovisRow = SparseRow;

/**
 * Adds weight to a co-visitation row (it is cut back to its `cap` strongest neighbours when it
 * passes twice that, see SparseRow).
 */
export function addCovisitation(row: CovisRow, neighbour: string, weight: number): void {
  row.add(neighbour, weight);
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

export type { RingSpec };
