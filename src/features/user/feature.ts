/**
 * What a user feature is (STYLE.md, point 5; Metarank's feature units): the state primitive it owns,
 * how an interaction updates it, and the value it reports. A feature never touches storage: the
 * user state holds one primitive per feature and the processor commits it.
 */
import type { Interaction } from '../../events/interaction.ts';
import type { ByteReader, ByteWriter } from '../../stream/state/bytes.ts';
import type { IdDictionary } from '../../stream/state/id-dictionary.ts';

/** Tunables of the user features (validated with the rest of the config). */
export interface UserFeatureConfig {
  readonly recentItems: number;
  readonly seenItems: number;
  readonly recentCategories: number;
  readonly affinityHalfLifeMs: number;
  readonly sessionGapMs: number;
}

/** What every state primitive offers its owner: a binary form and a size. */
export interface StatePrimitive {
  encode(w: ByteWriter): void;
  sizeBytes(): number;
  toJSON(): unknown;
}

/** What a feature's state is made with: the config, and the partition's id dictionary. */
export interface StateContext {
  readonly config: UserFeatureConfig;
  readonly dictionary: IdDictionary;
}

/** One user feature over one primitive `S`. */
export interface UserFeature<S extends StatePrimitive> {
  /** The field of `GET /v1/users/:id/features`. */
  readonly name: string;
  /** The state of a user never seen before. */
  init(context: StateContext): S;
  /** The state as the changelog holds it. */
  decode(r: ByteReader, context: StateContext): S;
  /** Folds one interaction (deduplicated, enriched) into the state. */
  update(state: S, event: Interaction, config: UserFeatureConfig): void;
  /** The reported value at stream time `now`. */
  value(state: S, now: number, config: UserFeatureConfig): unknown;
}

/** Declares a feature (the identity function, there for the types: `S` is inferred once). */
export function userFeature<S extends StatePrimitive>(feature: UserFeature<S>): UserFeature<S> {
  return feature;
}
