/**
 * User-side features, one small declarative unit each: which slot of the user's state it owns,
 * how an interaction updates it, and the value it reports. Features never touch storage: the user
 * processor keeps one state record per user and commits it.
 */
import { CONSUMED_TYPES, INTERACTION_WEIGHT, type Interaction } from '../events/interaction.ts';
import { addDecayed, decayTo, halfLifeToLambda, type DecayedScore } from '../stream/decay.ts';

/** One user's state: every user feature's slot. Plain data, so it encodes as JSON. */
export interface UserState {
  /** Recent content interactions, oldest first: [content_id, ts, weight, category]. */
  recent: [string, number, number, string | null][];
  /** Items the user consumed (clicked, liked, shared): never recommended again. */
  seen: string[];
  /** Recent categories, oldest first: [category, ts]. */
  cats: [string, number][];
  /** Category affinity with time decay. */
  aff: Record<string, DecayedScore>;
  session: SessionSlot | null;
  /** Recent event ids, for de-duplication of records that reached the log twice. */
  ids: string[];
  /** Interactions seen in total, and the first one's time. */
  n: number;
  first: number;
}

export interface SessionSlot {
  id: string;
  start: number;
  end: number;
  events: number;
  dwellMs: number;
  weight: number;
}

/** Tunables of the user features (validated with the rest of the config). */
export interface UserFeatureConfig {
  readonly recentItems: number;
  readonly seenItems: number;
  readonly recentCategories: number;
  readonly affinityHalfLifeMs: number;
  readonly sessionGapMs: number;
  readonly dedupIds: number;
}

export const DEFAULT_USER_FEATURES: UserFeatureConfig = {
  recentItems: 30,
  seenItems: 1000,
  recentCategories: 20,
  affinityHalfLifeMs: 3 * 24 * 3600_000,
  sessionGapMs: 30 * 60_000,
  dedupIds: 256,
};

export function emptyUserState(ts: number): UserState {
  return { recent: [], seen: [], cats: [], aff: {}, session: null, ids: [], n: 0, first: ts };
}

/** A user feature: the slot it owns, its update, and its value for the features API. */
export interface UserFeature {
  readonly name: string;
  update(state: UserState, event: Interaction, config: UserFeatureConfig): void;
  value(state: UserState, now: number, config: UserFeatureConfig): unknown;
}

function pushBounded<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

/** The user's recent items (the sequence co-visitation and embeddings read). */
export const recentItems: UserFeature = {
  name: 'recent_items',
  update(state, e, config) {
    if (e.contentId === undefined || INTERACTION_WEIGHT[e.type] === 0) return;
    pushBounded(state.recent, [e.contentId, e.ts, INTERACTION_WEIGHT[e.type], e.category ?? null], config.recentItems);
  },
  value: (state) => state.recent.map(([id, ts]) => ({ content_id: id, timestamp: new Date(ts).toISOString() })).reverse(),
};

/** Items the user clicked, liked or shared. */
export const seenItems: UserFeature = {
  name: 'seen_items',
  update(state, e, config) {
    if (e.contentId === undefined || !CONSUMED_TYPES.has(e.type)) return;
    if (state.seen.includes(e.contentId)) return;
    pushBounded(state.seen, e.contentId, config.seenItems);
  },
  value: (state) => state.seen.length,
};

/** The categories the user looked at recently, newest first, without repeats. */
export const recentCategories: UserFeature = {
  name: 'recent_categories',
  update(state, e, config) {
    if (e.category === undefined || INTERACTION_WEIGHT[e.type] === 0) return;
    pushBounded(state.cats, [e.category, e.ts], config.recentCategories);
  },
  value(state) {
    const out: string[] = [];
    for (let i = state.cats.length - 1; i >= 0; i--) if (!out.includes(state.cats[i][0])) out.push(state.cats[i][0]);
    return out;
  },
};

/** Interest per category, decayed with a half-life so that old tastes fade. */
export const categoryAffinity: UserFeature = {
  name: 'category_affinity',
  update(state, e, config) {
    const w = INTERACTION_WEIGHT[e.type];
    if (e.category === undefined || w === 0) return;
    state.aff[e.category] = addDecayed(state.aff[e.category], w, e.ts, halfLifeToLambda(config.affinityHalfLifeMs));
  },
  value(state, now, config) {
    return normalisedAffinity(state, now, config);
  },
};

/** Category affinity decayed to `now`, scaled so that the values sum to 1. */
export function normalisedAffinity(state: UserState, now: number, config: UserFeatureConfig): Record<string, number> {
  const lambda = halfLifeToLambda(config.affinityHalfLifeMs);
  const out: Record<string, number> = {};
  let total = 0;
  for (const [cat, score] of Object.entries(state.aff)) {
    const v = decayTo(score.value, score.ts, Math.max(now, score.ts), lambda);
    out[cat] = v;
    total += v;
  }
  if (total > 0) for (const cat of Object.keys(out)) out[cat] = Math.round((out[cat] / total) * 1e4) / 1e4;
  return out;
}

/** The current session: duration, event count and an engagement score. */
export const session: UserFeature = {
  name: 'session',
  update(state, e, config) {
    const s = state.session;
    // A new session id, or the same one after more than the inactivity gap, starts a new session.
    const same = s !== null && s.id === e.sessionId && e.ts - s.end <= config.sessionGapMs;
    if (!same) state.session = { id: e.sessionId, start: e.ts, end: e.ts, events: 0, dwellMs: 0, weight: 0 };
    extend(state.session!, e);
  },
  value(state) {
    const s = state.session;
    if (s === null) return null;
    return { session_id: s.id, duration_ms: s.end - s.start, events: s.events, engagement_score: engagementScore(s) };
  },
};

function extend(s: SessionSlot, e: Interaction): void {
  s.start = Math.min(s.start, e.ts);
  s.end = Math.max(s.end, e.ts);
  s.events++;
  s.dwellMs += e.dwellMs ?? 0;
  s.weight += INTERACTION_WEIGHT[e.type];
}

/**
 * Engagement in [0, 1): grows with interaction weight (likes and shares count more than views),
 * dwell time and session length, with diminishing returns so that no single signal dominates.
 */
export function engagementScore(s: SessionSlot): number {
  const raw = s.weight + s.dwellMs / 30_000 + (s.end - s.start) / 300_000;
  return Math.round((1 - Math.exp(-raw / 10)) * 1e4) / 1e4;
}

/** Every user feature, in update order. */
export const USER_FEATURES: readonly UserFeature[] = [recentItems, seenItems, recentCategories, categoryAffinity, session];

/** Coarse segment labels of a user, used for enrichment and the ranker. */
export function segmentsOf(state: UserState | undefined): string[] {
  if (state === undefined || state.n < 5) return ['new'];
  return state.n >= 50 ? ['engaged'] : ['casual'];
}

