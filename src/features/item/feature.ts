/**
 * What an item feature is (STYLE.md, point 5; Metarank's feature units), as ../user/feature.ts is
 * for users: the state primitive it owns, how an item's count (an item update of kind `count`,
 * src/pipeline/item-update.ts) changes it, and the value it reports. A feature never touches
 * storage: the item state holds one primitive per feature and the processor commits it.
 * A derived feature owns no state and reports a value computed from other features' values (CTR).
 */
import type { EventType } from '../../events/schema.ts';
import type { ByteReader, ByteWriter } from '../../stream/state/bytes.ts';
import type { StatePrimitive } from '../user/feature.ts';

export type { StatePrimitive } from '../user/feature.ts';

/** Tunables of the item features (from the processing config, resolved once at setup). */
export interface ItemFeatureConfig {
  /** Forward-decay rate of popularity, 1/ms (halfLifeToLambda of popularityHalfLifeMs). */
  readonly popularityLambda: number;
}

/** What an item update of kind `count` says: an interaction of `type` with the item at event time `ts`. */
export interface ItemCount {
  readonly type: EventType;
  readonly ts: number;
}

/**
 * One item feature over one primitive `S`, named `N`, reporting a `V` (`never`: it reports nothing).
 * The name and value types let the registry type the features API's answer from the list alone.
 */
export interface ItemFeature<S extends StatePrimitive, N extends string = string, V = unknown> {
  /** The field of `GET /v1/items/:id/features` (or, without `value`, the state's name). */
  readonly name: N;
  /** The state of an item never counted before. */
  init(): S;
  /** The state as the changelog holds it. */
  decode(r: ByteReader): S;
  /** Writes what `decode` reads, when that is not the primitive's own `encode` (a form without its configuration). */
  encode?(state: S, w: ByteWriter): void;
  /**
   * Folds one count (of an interaction with a weight; weightless ones never reach a feature) into
   * the state. Returns false when it came too late for the feature's window: the processor then
   * counts it as late.
   */
  update(state: S, count: ItemCount, config: ItemFeatureConfig): boolean;
  /** The reported value at stream time `now`; absent for state that only serving reads (popularity). */
  value?(state: S, now: number): V;
}

/** A feature computed from the values of others, with no state of its own. */
export interface DerivedItemFeature<N extends string = string, V = unknown> {
  readonly name: N;
  /** The features whose values it reads, in the order `value` receives them. */
  readonly reads: readonly ItemFeature<StatePrimitive, string, number>[];
  value(inputs: number[]): V;
}

/** Declares a feature (the identity function, there for the types: `S` is inferred once). */
export function itemFeature<S extends StatePrimitive, N extends string, V = never>(feature: ItemFeature<S, N, V>): ItemFeature<S, N, V> {
  return feature;
}

/** Declares a derived feature. */
export function derivedItemFeature<N extends string, V>(feature: DerivedItemFeature<N, V>): DerivedItemFeature<N, V> {
  return feature;
}
