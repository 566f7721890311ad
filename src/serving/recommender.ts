/**
 * The recommendation pipeline for one request:
 *   candidates (co-visitation of the user's recent items, category affinity, popularity)
 *   -> blended score -> embeddings re-score the best -> the online ranker re-orders the head
 *   -> filters (consumed, excluded, category) -> diversity -> exploration of fresh items -> reasons.
 * Reads every feature it needs from the FeatureStore in a few batched calls. The models
 * (embeddings, ranker, exploration) are the processing instance's own (`ModelAccess`): serving in
 * the same process as processing uses them and reports every list it serves back as impressions;
 * without them (a serve-only instance) the blend alone ranks.
 */
import { randomUUID } from 'node:crypto';
import type { FeatureStore } from '../features/feature-store.ts';
import type { IdDictionary } from '../stream/state/id-dictionary.ts';
import { normalisedAffinity, type UserFeatureConfig, type UserState } from '../features/user-features.ts';
import type { HashedFeature } from '../models/feature-hashing.ts';
import type { InstanceModels, ServedList } from '../models/instance-models.ts';
import { bestOf, IdSpace, ScratchPool, type Scratch } from './candidate-space.ts';

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
  /** The id the response carries; impressions are recorded under it (generated when absent). */
  readonly requestId?: string;
}

/** Tunables of the blend (validated with the rest of the config). */
export interface RecommenderConfig {
  /** How many of the user's most recent items seed co-visitation candidates. */
  readonly historyItems: number;
  /** The r-th most recent seed weighs historyDecay^r. */
  readonly historyDecay: number;
  /** A seed's co-visitation row is divided by its popularity^seedPopNorm: an item seen with everything says little. */
  readonly seedPopNorm: number;
  /** A candidate's co-visitation score is divided by its popularity^candidatePopNorm. */
  readonly candidatePopNorm: number;
  /** Weight of each candidate source in the blended score (each source is scaled to 0..1 per request). */
  readonly weights: { readonly covisitation: number; readonly affinity: number; readonly popularity: number; readonly embedding: number };
  /** How many of the best blended candidates the embeddings re-score. */
  readonly rerankDepth: number;
  /** How many of the best candidates the online ranker re-orders (and trains on). */
  readonly rankerDepth: number;
  /** No category takes more than this share of a list while other categories have candidates. */
  readonly maxCategoryShare: number;
  /** Popular items per category fetched as affinity candidates. */
  readonly perCategoryCandidates: number;
}

/** Defaults, tuned by replay of MovieLens ratings (src/eval/README.md). */
export const DEFAULT_RECOMMENDER: RecommenderConfig = {
  historyItems: 10,
  historyDecay: 0.8,
  seedPopNorm: 0.5,
  candidatePopNorm: 0.25,
  weights: { covisitation: 1, affinity: 0.1, popularity: 0.2, embedding: 0.3 },
  rerankDepth: 100,
  rankerDepth: 30,
  maxCategoryShare: 0.7,
  perCategoryCandidates: 60,
};

/** What serving needs of the processing instance's models. */
export interface ModelAccess {
  readonly models: InstanceModels;
  /** Receives every served list: the user's next interaction trains the ranker on it. */
  recordImpressions(list: ServedList): void;
}

interface Candidate {
  id: string;
  covis: number;
  affinity: number;
  popularity: number;
  emb: number;
  score: number;
  /** The ranker's click probability, when it ranked the list. */
  model?: number;
  category: string | undefined;
}


/** At most this many shown fresh items compete by Thompson draws in one request (see Exploration.shownFresh). */
const SHOWN_SAMPLE = 64;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, x))));
}

export class Recommender {
  private readonly space = new IdSpace();
  private readonly scratch = new ScratchPool();
  /**
   * Per id dictionary (rows hold their neighbours as one partition dictionary's integers): each
   * integer's index in `space`, -1 until first seen. Dictionaries only grow and never renumber, so
   * an entry stays right for good, whichever row object (a replica decodes a new one per commit)
   * holds the integer: the hottest loop of a request then reads two arrays and hashes no id.
   */
  private readonly dictionaryIndices = new WeakMap<IdDictionary, { generation: number; indices: Int32Array }>();
  /** Candidates' popularity divisors by index, NaN until read, valid while the store's items version stays `normsVersion` (see popularityDivisors). */
  private norms = new Float64Array(0);
  private normsVersion: number | undefined;

  constructor(
    private readonly store: FeatureStore,
    private readonly config: RecommenderConfig = DEFAULT_RECOMMENDER,
    private readonly userConfig: UserFeatureConfig,
    private readonly access?: ModelAccess,
  ) {}

  async recommend(request: RecommendRequest): Promise<RecommendedItem[]> {
    const { store, config } = this;
    const scored: Candidate[] = [];
    const [user, now, popular] = await Promise.all([
      store.user(request.userId),
      store.streamTime(),
      store.popular(request.category, Math.max(100, request.k * 10)),
    ]);
    const known = user !== undefined && user.recent.length > 0;
    // Never what the user consumed, nor what the caller excludes (checked in place: a replay
    // excludes thousands of items per request, too many to copy).
    const seen = new Set<string>(user?.seen ?? []);
    const exclude = request.exclude ?? seen;
    const blocked = { has: seen.size === 0 || exclude === seen ? (id: string) => exclude.has(id) : (id: string) => seen.has(id) || exclude.has(id) };
    const scratch = this.scratch.take(this.space.size + popular.length + 1);
    try {
      // Every source sums into the scratch arrays by item index (see candidate-space.ts).
      if (known) await Promise.all([this.covisitationScores(user, scratch), this.affinityScores(user, now, request.category, scratch)]);
      const { space } = this;
      const best = popular.length > 0 ? popular[0].logScore : 0;
      for (const s of popular) {
        const i = space.intern(s.id);
        scratch.ensure(i + 1);
        scratch.popularity[i] = Math.exp(s.logScore - best);
        scratch.touch(i);
      }
      const { weights } = config;
      const { ids } = space;
      const { covis, affinity: aff, popularity } = scratch;
      const blended = scratch.score;
      for (const i of scratch.touched) blended[i] = weights.covisitation * covis[i] + weights.affinity * aff[i] + weights.popularity * popularity[i];
      const isBlocked = (i: number): boolean => blocked.has(ids[i]);

      // Categories for the filter (every candidate) or for diversity only (the head, with slack).
      const depth = Math.max(request.k * 3, this.access ? config.rerankDepth : 0);
      const head = bestOf(scratch.touched, request.category === undefined ? depth : scratch.touched.length, blended, isBlocked, ids);
      const entries = await store.catalog(head.map((i) => ids[i]));
      head.forEach((i, j) => {
        const category = entries[j]?.category;
        if (scored.length >= depth || (request.category !== undefined && category !== request.category)) return;
        scored.push({ id: ids[i], covis: covis[i], affinity: aff[i], popularity: popularity[i], emb: 0, score: blended[i], category });
      });
    } finally {
      this.scratch.give(scratch);
    }

    const requestId = request.requestId ?? randomUUID();
    let ranked = scored;
    let served: Omit<ServedList, 'shown'> | undefined;
    if (this.access !== undefined) ({ ranked, served } = await this.rank(request, requestId, user, scored));
    let list = diversify(ranked, request.k, config.maxCategoryShare);
    // Cold users get trending only (API.md); known users give a share of their slots to fresh items.
    const models = known ? this.access?.models : undefined;
    const slots = models !== undefined && models.exploration.share > 0 ? models.exploration.exploreSlots(request.k, models.rng) : 0;
    const pool = slots > 0 ? await this.freshPool(request, list, now, blocked, slots) : [];
    const explored = new Set<string>();
    if (pool.length > 0) {
      const byId = new Map(list.map((c) => [c.id, c]));
      const picked = models!.exploration.place(list.map((c) => c.id), request.k, slots, models!.rng, pool, now);
      for (const id of picked) if (!byId.has(id)) explored.add(id);
      // Categories of the explored items only: the pool may hold hundreds.
      const ids = [...explored];
      const entries = await store.catalog(ids);
      const category = new Map(ids.map((id, i) => [id, entries[i]?.category]));
      list = picked.map((id) => byId.get(id) ?? { id, covis: 0, affinity: 0, popularity: 0, emb: 0, score: 0, category: category.get(id) });
    }
    if (served !== undefined) this.access!.recordImpressions({ ...served, shown: list.map((c) => c.id) });
    return list.map((c) => ({
      content_id: c.id,
      score: Math.round((c.model ?? c.score) * 1e4) / 1e4,
      ...(c.category !== undefined && { category: c.category }),
      reasons: reasonsOf(c, known, explored),
    }));
  }

  /**
   * Embeddings re-score the blended candidates, then the online ranker re-orders the head. Returns
   * the new order and the ranker's click probabilities (as the items' scores).
   */
  private async rank(request: RecommendRequest, requestId: string, user: UserState | undefined, scored: Candidate[]) {
    const { models } = this.access!;
    const { config } = this;
    const recent = user?.recent.map((r) => r[0]) ?? [];
    let ranked = scored;
    if (models.embeddings !== null && recent.length > 0) {
      const es = models.embeddings.scoreItems(recent, scored.map((c) => c.id));
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of es) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) {
        scored.forEach((c, j) => {
          c.emb = (es[j] - lo) / (hi - lo);
          c.score += config.weights.embedding * c.emb;
        });
        ranked = [...scored].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      }
    }
    const head = ranked.slice(0, config.rankerDepth);
    const items = await this.store.items(head.map((c) => c.id));
    const features: HashedFeature[][] = [];
    const ranker = models.ranker;
    if (ranker !== null) {
      const history = user?.n ?? 0;
      head.forEach((c, r) => {
        features.push(ranker.features({ blendRank: r, covis: c.covis, trend: c.popularity, emb: c.emb, affinity: c.affinity, popularity: items[r]?.total ?? 0, historyLength: history }));
      });
      const margins = features.map((f) => ranker.score(f));
      const order = head.map((_, r) => r).sort((a, b) => margins[b] - margins[a] || a - b);
      let floor = 1;
      head.forEach((c, r) => {
        c.model = sigmoid(margins[r]);
        if (c.model < floor) floor = c.model;
      });
      // below the head, the blend's order; scores kept under the head's so the list reads sorted
      for (let j = head.length; j < ranked.length; j++) ranked[j].model = floor * Math.min(1, ranked[j].score) * 0.5;
      ranked = order.map((r) => head[r]).concat(ranked.slice(head.length));
    }
    const served = { requestId, userId: request.userId, ranked: head.map((c) => c.id), features };
    return { ranked, served };
  }

  /**
   * Fresh catalogue items (not blocked, not listed, in the requested category) that exploration may
   * show in `slots` slots: never-shown items win every slot they can (exploration's rule), so the
   * longest-waiting `slots` of them are all a pick needs; only when too few wait do shown fresh
   * items compete, a bounded sample of them (Exploration.shownFresh).
   */
  private async freshPool(request: RecommendRequest, list: Candidate[], now: number, blocked: { has(id: string): boolean }, slots: number): Promise<string[]> {
    const { exploration, rng } = this.access!.models;
    const inList = new Set(list.map((c) => c.id));
    const accept = (id: string) => !inList.has(id) && !blocked.has(id);
    const { category } = request;
    const inCategory = async (ids: string[]): Promise<string[]> => {
      if (category === undefined || ids.length === 0) return ids;
      const entries = await this.store.catalog(ids);
      return ids.filter((_, i) => entries[i]?.category === category);
    };
    // With a category, read ahead (most waiting items are of other categories), widening as needed.
    let limit = category === undefined ? slots : 16 * slots;
    let ids = exploration.waitingFresh(now, limit, accept);
    let pool = await inCategory(ids);
    while (pool.length < slots && ids.length >= limit) {
      limit *= 4;
      ids = exploration.waitingFresh(now, limit, accept);
      pool = await inCategory(ids);
    }
    if (pool.length < slots) pool = pool.concat(await inCategory(exploration.shownFresh(now, SHOWN_SAMPLE, rng, accept)));
    return pool;
  }

  /** Co-visitation neighbours of the user's recent items, into `scratch.covis`, scaled so the best is 1. */
  private async covisitationScores(user: UserState, scratch: Scratch): Promise<void> {
    const { historyItems, historyDecay, seedPopNorm, candidatePopNorm } = this.config;
    const seeds: { id: string; weight: number }[] = [];
    const taken = new Set<string>();
    let decay = 1;
    for (let i = user.recent.length - 1; i >= 0 && seeds.length < historyItems; i--) {
      const [id, , w] = user.recent[i];
      if (taken.has(id)) continue;
      taken.add(id);
      // The latest item counts most, scaled by how strong the interaction was.
      seeds.push({ id, weight: w * decay });
      decay *= historyDecay;
    }
    const seedIds = seeds.map((s) => s.id);
    const [rows, seedItems] = await Promise.all([this.store.covis(seedIds), this.store.items(seedIds)]);
    const { space } = this;
    const first = scratch.touched.length;
    for (let r = 0; r < seeds.length; r++) {
      const row = rows[r];
      if (row === undefined) continue;
      scratch.ensure(space.size + row.size);
      const w = seeds[r].weight / Math.pow(Math.max(1, seedItems[r]?.total ?? 1), seedPopNorm);
      const acc = scratch.covis;
      const { dictionary } = row;
      const cached = this.dictionaryIndices.get(dictionary);
      let indices = cached !== undefined && cached.generation === dictionary.generation ? cached.indices : this.growIndices(dictionary, 0);
      for (let j = 0, n = row.size; j < n; j++) {
        const id = row.idAt(j);
        if (id >= indices.length) indices = this.growIndices(dictionary, id);
        let i = indices[id];
        if (i < 0) {
          // A name this thread's copy of the dictionary lacks yet is skipped (looked up again next time).
          const name = dictionary.name(id);
          if (name === undefined) continue;
          i = indices[id] = space.intern(name);
        }
        if (acc[i] === 0) scratch.touch(i);
        acc[i] += w * row.weightAt(j);
      }
    }
    const added = scratch.touched.slice(first);
    if (added.length === 0) return;
    const acc = scratch.covis;
    if (candidatePopNorm > 0) {
      const divisor = await this.popularityDivisors(added, candidatePopNorm);
      for (const i of added) acc[i] /= divisor(i);
    }
    let top = 0;
    for (const i of added) if (acc[i] > top) top = acc[i];
    if (top > 0) for (const i of added) acc[i] /= top;
  }

  /**
   * Each candidate's popularity divisor, total^exponent (1 for an item seen at most once), by
   * candidate index. A request normalises hundreds of candidates, one item read each; with a store
   * that says when items change (in-process), the divisors are kept until then, so requests
   * between two commits read only the items new to them.
   */
  private async popularityDivisors(candidates: readonly number[], exponent: number): Promise<(i: number) => number> {
    const { space } = this;
    const version = this.store.itemsVersion?.();
    const divisorOf = (i: number, total: number | undefined): number => (total !== undefined && total > 1 ? space.powerOf(i, total, exponent) : 1);
    if (version === undefined) {
      const items = await this.store.items(candidates.map((i) => space.ids[i]));
      const byIndex = new Map(candidates.map((i, j) => [i, divisorOf(i, items[j]?.total)]));
      return (i) => byIndex.get(i) ?? 1;
    }
    if (version !== this.normsVersion) {
      this.norms = new Float64Array(Math.max(space.size, 1024)).fill(Number.NaN);
      this.normsVersion = version;
    } else if (this.norms.length < space.size) {
      const grown = new Float64Array(space.size * 2).fill(Number.NaN);
      grown.set(this.norms);
      this.norms = grown;
    }
    const norms = this.norms;
    const missing = candidates.filter((i) => Number.isNaN(norms[i]));
    if (missing.length > 0) {
      // Were items to change during the read, the version would differ and the next request start afresh.
      const items = await this.store.items(missing.map((i) => space.ids[i]));
      for (let j = 0; j < missing.length; j++) norms[missing[j]] = divisorOf(missing[j], items[j]?.total);
    }
    return (i) => norms[i];
  }

  /** The index array of `dictionary`, grown to hold integer `id`; a new one after the dictionary was reloaded (see dictionaryIndices). */
  private growIndices(dictionary: IdDictionary, id: number): Int32Array {
    const cached = this.dictionaryIndices.get(dictionary);
    const held = cached !== undefined && cached.generation === dictionary.generation ? cached.indices : undefined;
    let size = Math.max(1024, held?.length ?? 0);
    while (size <= id) size *= 2;
    const grown = new Int32Array(size).fill(-1);
    if (held !== undefined) grown.set(held);
    this.dictionaryIndices.set(dictionary, { generation: dictionary.generation, indices: grown });
    return grown;
  }

  /** Popular items of the user's favourite categories, weighted by affinity (0..1), into `scratch.affinity`. */
  private async affinityScores(user: UserState, now: number, only: string | undefined, scratch: Scratch): Promise<void> {
    const affinity = normalisedAffinity(user, now, this.userConfig);
    const cats = Object.entries(affinity)
      .filter(([cat]) => only === undefined || cat === only)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5);
    if (cats.length === 0) return;
    const top = cats[0][1];
    const lists = await Promise.all(cats.map(([cat]) => this.store.popular(cat, this.config.perCategoryCandidates)));
    const { space } = this;
    cats.forEach(([, a], c) => {
      const list = lists[c];
      if (list.length === 0) return;
      const best = list[0].logScore;
      for (const s of list) {
        const i = space.intern(s.id);
        scratch.ensure(i + 1);
        scratch.affinity[i] = Math.max(scratch.affinity[i], (a / top) * (0.5 + 0.5 * Math.exp(s.logScore - best)));
        scratch.touch(i);
      }
    });
  }
}

/** Why an item is in the list, for the response. */
function reasonsOf(c: Candidate, known: boolean, explored: ReadonlySet<string>): Reason[] {
  if (explored.has(c.id)) return ['exploration'];
  const reasons: Reason[] = [];
  if (c.covis > 0.05) reasons.push('co_visitation');
  if (c.affinity > 0.05) reasons.push('category_affinity');
  if (c.emb > 0.8) reasons.push('embedding');
  if (reasons.length === 0) reasons.push(known ? 'popular' : 'trending');
  return reasons;
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
