/**
 * The user features: one registry of declarative units (./user/, one file each), and the user
 * state that holds one state primitive per unit. Adding a feature is one file in ./user/ plus its
 * line in USER_FEATURE_UNITS; nothing here or in the processor changes.
 */
import type { Interaction } from '../events/interaction.ts';
import { ByteReader, ByteWriter } from '../stream/state/bytes.ts';
import { Dictionaries, IdDictionary } from '../stream/state/id-dictionary.ts';
import type { Codec } from '../stream/state-store.ts';
import { categoryAffinity, normalised } from './user/category-affinity.ts';
import type { StateContext, StatePrimitive, UserFeature, UserFeatureConfig } from './user/feature.ts';
import { recentCategories } from './user/recent-categories.ts';
import { recentItems, type RecentItem } from './user/recent-items.ts';
import { seenItems } from './user/seen-items.ts';
import { session } from './user/session.ts';

export type { UserFeatureConfig } from './user/feature.ts';
export { engagementScore } from './user/session.ts';

export const DEFAULT_USER_FEATURES: UserFeatureConfig = {
  recentItems: 30,
  seenItems: 1000,
  recentCategories: 20,
  affinityHalfLifeMs: 3 * 24 * 3600_000,
  sessionGapMs: 30 * 60_000,
};

/** Every user feature, in update order (and the order of their state in the changelog). */
export const USER_FEATURE_UNITS = [recentItems, seenItems, recentCategories, categoryAffinity, session] as const;

type AnyFeature = UserFeature<StatePrimitive>;
const UNITS = USER_FEATURE_UNITS as unknown as readonly AnyFeature[];

/** One user's state: a primitive per feature, the interaction count and the first one's time. */
export class UserState {
  /** Feature name -> its primitive. */
  private readonly slots = new Map<string, StatePrimitive>();
  /** Interactions seen in total, and the first one's time. */
  n = 0;

  constructor(
    /** The partition whose dictionary the state's interned ids belong to. */
    readonly dictionary: IdDictionary,
    public first: number,
    slots?: readonly StatePrimitive[],
    readonly config: UserFeatureConfig = DEFAULT_USER_FEATURES,
  ) {
    const context: StateContext = { config, dictionary };
    UNITS.forEach((f, i) => this.slots.set(f.name, slots?.[i] ?? f.init(context)));
  }

  /** The state of one feature. */
  of<S extends StatePrimitive>(feature: UserFeature<S>): S {
    return this.slots.get(feature.name) as S;
  }

  /** Recent content interactions, oldest first (read by serving and co-visitation). */
  get recent(): RecentItem[] {
    return this.of(recentItems).entries;
  }

  /** Items the user consumed (iterable of ids, `has`). */
  get seen() {
    return this.of(seenItems);
  }

  /** Category affinity scores. */
  get affinity() {
    return this.of(categoryAffinity);
  }

  /** Folds one interaction into every feature. */
  update(e: Interaction): void {
    for (const f of UNITS) f.update(this.slots.get(f.name)!, e, this.config);
    this.n++;
  }

  /** Bytes held in memory by the state's primitives. */
  sizeBytes(): number {
    let bytes = 48;
    for (const s of this.slots.values()) bytes += s.sizeBytes();
    return bytes;
  }

  encode(w: ByteWriter): void {
    w.uint(this.dictionary.partition).uint(this.n).f64(this.first);
    for (const f of UNITS) this.slots.get(f.name)!.encode(w);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { n: this.n, first: this.first };
    for (const [name, s] of this.slots) out[name] = s.toJSON();
    return out;
  }
}

export function emptyUserState(ts: number, dictionary: IdDictionary = new IdDictionary(0), config: UserFeatureConfig = DEFAULT_USER_FEATURES): UserState {
  return new UserState(dictionary, ts, undefined, config);
}

/** Codec of user states; interned ids resolve through `dictionaries` (the processor's, or a reader's). */
export function userStateCodec(dictionaries: Dictionaries, config: UserFeatureConfig = DEFAULT_USER_FEATURES): Codec<UserState> {
  return {
    encode(state) {
      const w = new ByteWriter(256);
      state.encode(w);
      return w.finish();
    },
    decode(bytes) {
      const r = new ByteReader(bytes);
      const dictionary = dictionaries.of(r.uint());
      const n = r.uint();
      const first = r.f64();
      const context: StateContext = { config, dictionary };
      const state = new UserState(dictionary, first, UNITS.map((f) => f.decode(r, context)), config);
      state.n = n;
      r.end();
      return state;
    },
  };
}

/** A user feature as the features API reads it: its name and its value for a user. */
export interface UserFeatureView {
  readonly name: string;
  value(state: UserState, now: number, config: UserFeatureConfig): unknown;
}

/** Every user feature's value, for `GET /v1/users/:id/features`. */
export const USER_FEATURES: readonly UserFeatureView[] = UNITS.map((f) => ({
  name: f.name,
  value: (state: UserState, now: number, config: UserFeatureConfig) => f.value(state.of(f), now, config),
}));

/** Category affinity decayed to `now`, scaled so that the values sum to 1. */
export function normalisedAffinity(state: UserState, now: number, _config?: UserFeatureConfig): Record<string, number> {
  return normalised(state.affinity, now);
}

/** Coarse segment labels of a user, used for enrichment and the ranker. */
export function segmentsOf(state: UserState | undefined): string[] {
  if (state === undefined || state.n < 5) return ['new'];
  return state.n >= 50 ? ['engaged'] : ['casual'];
}
