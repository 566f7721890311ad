/**
 * The recommendation pipeline for one request:
 *   candidates (co-visitation of the user's recent items, category affinity, popularity)
 *   -> blended score -> filters (consumed, excluded, category) -> diversity -> reasons.
 * Reads every feature it needs from the FeatureStore in a few batched calls.
 */
import type { CatalogEntry } from '../features/catalog.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { normalisedAffinity, type UserFeatureConfig, type UserState } from '../features/user-features.ts';

export type Reason = 'co_visitation' | 'category_affinity' | 'trending' | 'popular' | 'exploration' | 'embedding';

export interface RecommendedItem {
  content_id: string;
  score: number;
  category?: string;
  reasons: Reason[];
}

export interface RecommendRequest {
  readonly userId: string;
  readonly k: number;
  readonly sessionId?: string;
  readonly exclude?: ReadonlySet<string>;
  /** Only items of this category. */
  readonly category?: string;
}

/** Tunables of the blend (validated with the rest of the config). */
export interface RecommenderConfig {
  /** How many of the user's most recent items seed co-visitation candidates. */
  readonly historyItems: number;
  /** Weight of each candidate source in the blended score. */
  readonly weights: { readonly covisitation: number; readonly affinity: number; readonly popularity: number };
  /** No category takes more than this share of a list while other categories have candidates. */
  readonly maxCategoryShare: number;
  /** Popular items per category fetched as affinity candidates. */
  readonly perCategoryCandidates: number;
}

export const DEFAULT_RECOMMENDER: RecommenderConfig = {
  historyItems: 10,
  weights: { covisitation: 1, affinity: 0.6, popularity: 0.15 },
  maxCategoryShare: 0.7,
  perCategoryCandidates: 60,
};

interface Candidate {
  id: string;
  covis: number;
  affinity: number;
  popularity: number;
  score: number;
  category: string | undefined;
  reasons: Reason[];
}

/** Converts forward-decayed log scores to (0, 1]: relative to the best one in the list. */
function relativePopularity(logScores: readonly { id: string; logScore: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  if (logScores.length === 0) return out;
  const best = logScores[0].logScore;
  for (const s of logScores) out.set(s.id, Math.exp(s.logScore - best));
  return out;
}

export class Recommender {
  constructor(
    private readonly store: FeatureStore,
    private readonly config: RecommenderConfig = DEFAULT_RECOMMENDER,
    private readonly userConfig: UserFeatureConfig,
  ) {}

  async recommend(request: RecommendRequest): Promise<RecommendedItem[]> {
    const { store, config } = this;
    const [user, now, popular] = await Promise.all([
      store.user(request.userId),
      store.streamTime(),
      store.popular(request.category, Math.max(100, request.k * 10)),
    ]);
    const candidates = new Map<string, Candidate>();
    const candidate = (id: string): Candidate => {
      let c = candidates.get(id);
      if (c === undefined) {
        c = { id, covis: 0, affinity: 0, popularity: 0, score: 0, category: undefined, reasons: [] };
        candidates.set(id, c);
      }
      return c;
    };

    // Popularity: every list gets it, cold users get nothing else.
    for (const [id, p] of relativePopularity(popular)) candidate(id).popularity = p;

    if (user !== undefined && user.recent.length > 0) {
      await this.covisitationCandidates(user, candidate);
      await this.affinityCandidates(user, now, request.category, candidate);
    }

    const blocked = new Set<string>(user?.seen ?? []);
    for (const id of request.exclude ?? []) blocked.add(id);
    const ids = [...candidates.keys()].filter((id) => !blocked.has(id));
    const entries = await store.catalog(ids);
    const scored: Candidate[] = [];
    const { weights } = config;
    ids.forEach((id, i) => {
      const c = candidates.get(id)!;
      const entry: CatalogEntry | undefined = entries[i];
      c.category = entry?.category;
      if (request.category !== undefined && c.category !== request.category) return;
      c.score = weights.covisitation * c.covis + weights.affinity * c.affinity + weights.popularity * c.popularity;
      if (c.covis > 0.05) c.reasons.push('co_visitation');
      if (c.affinity > 0.05) c.reasons.push('category_affinity');
      if (c.reasons.length === 0) c.reasons.push(user === undefined || user.recent.length === 0 ? 'trending' : 'popular');
      scored.push(c);
    });
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return diversify(scored, request.k, config.maxCategoryShare).map((c) => ({
      content_id: c.id,
      score: Math.round(c.score * 1e4) / 1e4,
      ...(c.category !== undefined && { category: c.category }),
      reasons: c.reasons,
    }));
  }

  /** Neighbours of the user's recent items, each row normalised so that busy items do not dominate. */
  private async covisitationCandidates(user: UserState, candidate: (id: string) => Candidate): Promise<void> {
    const history: { id: string; weight: number }[] = [];
    const taken = new Set<string>();
    for (let i = user.recent.length - 1; i >= 0 && history.length < this.config.historyItems; i--) {
      const [id, , w] = user.recent[i];
      if (taken.has(id)) continue;
      taken.add(id);
      // The latest item counts most: position decay, scaled by how strong the interaction was.
      history.push({ id, weight: w / (1 + history.length * 0.5) });
    }
    const rows = await this.store.covis(history.map((h) => h.id));
    let best = 0;
    const raw = new Map<string, number>();
    history.forEach((h, i) => {
      const row = rows[i];
      if (row === undefined) return;
      let norm = 0;
      for (const v of row.values()) norm += v * v;
      norm = Math.sqrt(norm) || 1;
      for (const [id, v] of row) {
        const s = (raw.get(id) ?? 0) + (h.weight * v) / norm;
        raw.set(id, s);
        if (s > best) best = s;
      }
    });
    if (best === 0) return;
    for (const [id, s] of raw) candidate(id).covis = s / best;
  }

  /** Popular items of the user's favourite categories, weighted by affinity. */
  private async affinityCandidates(user: UserState, now: number, only: string | undefined, candidate: (id: string) => Candidate): Promise<void> {
    const affinity = normalisedAffinity(user, now, this.userConfig);
    const cats = Object.entries(affinity)
      .filter(([cat]) => only === undefined || cat === only)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    if (cats.length === 0) return;
    const top = cats[0][1];
    const lists = await Promise.all(cats.map(([cat]) => this.store.popular(cat, this.config.perCategoryCandidates)));
    cats.forEach(([, a], i) => {
      for (const [id, p] of relativePopularity(lists[i])) {
        const c = candidate(id);
        c.affinity = Math.max(c.affinity, (a / top) * (0.5 + 0.5 * p));
      }
    });
  }
}

/**
 * Greedy diversity: walks the ranked list and defers an item whose category already fills
 * `maxShare` of the list, as long as items of other categories remain to take its place.
 */
export function diversify<T extends { category: string | undefined }>(ranked: readonly T[], k: number, maxShare: number): T[] {
  const cap = Math.max(1, Math.floor(maxShare * k));
  const out: T[] = [];
  const deferred: T[] = [];
  const perCategory = new Map<string, number>();
  for (const item of ranked) {
    if (out.length >= k) break;
    const cat = item.category ?? '';
    const n = perCategory.get(cat) ?? 0;
    if (item.category !== undefined && n >= cap) {
      deferred.push(item);
      continue;
    }
    perCategory.set(cat, n + 1);
    out.push(item);
  }
  // Not enough other categories: fill with the best deferred items rather than return fewer.
  for (const item of deferred) {
    if (out.length >= k) break;
    out.push(item);
  }
  return out;
}
