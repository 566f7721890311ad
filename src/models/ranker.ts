// The online re-ranker of serving: FTRL-proximal logistic regression on hashed, bucketed candidate
// signals, trained from impressions (the head of every served list) and the click that follows
// them. The blend weights are then learned per deployment instead of hand-tuned, which is what
// should carry to logs and sites we did not tune on.

import { Ftrl, type FtrlOptions, type FtrlSnapshot } from './ftrl.ts';
import type { HashedFeature } from './feature-hashing.ts';

/** Signals of one candidate, all computed by the recommender for one request. */
export interface CandidateSignals {
  /** 0-based rank in the hand-tuned blend */
  blendRank: number;
  /** co-visitation score / best co-visitation score of the request (0..1) */
  covis: number;
  /** popularity relative to the most popular item of the request (0..1) */
  trend: number;
  /** embedding score, min-max normalised over the candidates (0..1) */
  emb: number;
  /** category affinity of the user for the candidate's category (0..1) */
  affinity: number;
  /** all-time interactions of the item */
  popularity: number;
  /** interactions of the user so far */
  historyLength: number;
}

/** Coarse, roughly logarithmic buckets: ranks and counts matter by order of magnitude. */
function bucket(x: number): number {
  return x <= 0 ? 0 : Math.min(12, 1 + Math.floor(Math.log2(1 + x)));
}

function level(x: number): number {
  return Math.max(0, Math.min(9, Math.floor(x * 10)));
}

/** Feature groups; each has a small closed vocabulary, so indices are precomputed. */
const GROUPS = ['rank', 'covis', 'trend', 'emb', 'pop', 'hist', 'rank^hist', 'covis^trend', 'emb^rank', 'aff'] as const;

/** Defaults: tuned by replay (src/eval/README.md); 2^14 slots hold the ~700 possible features. */
export const RANKER_DEFAULTS: FtrlOptions = { alpha: 0.1, beta: 1, l1: 0.5, l2: 1, bits: 14 };

/** Online re-ranker; see the file header. */
export class OnlineRanker {
  readonly model: Ftrl;
  /**
   * precomputed hashed feature per (group, value): hashing strings per request would dominate, and
   * shared immutable objects spare the allocations of ~300 features per request
   */
  private readonly table: HashedFeature[][];
  private readonly bias: HashedFeature;

  constructor(options: FtrlOptions | Ftrl = {}) {
    this.model = options instanceof Ftrl ? options : new Ftrl({ ...RANKER_DEFAULTS, ...options });
    this.table = GROUPS.map((g) => Array.from({ length: 200 }, (_, v) => Object.freeze({ index: this.model.hasher.indexOf(`${g}=${v}`), value: 1 })));
    this.bias = Object.freeze({ index: this.model.hasher.indexOf('__bias__'), value: 1 });
  }

  /** Hashed features of one candidate. */
  features(s: CandidateSignals): HashedFeature[] {
    const rank = bucket(s.blendRank);
    const hist = bucket(s.historyLength);
    const cov = level(s.covis);
    const tr = level(s.trend);
    const em = level(s.emb);
    const t = this.table;
    return [
      this.bias,
      t[0][rank],
      t[1][cov],
      t[2][tr],
      t[3][em],
      t[4][bucket(s.popularity)],
      t[5][hist],
      t[6][rank * 13 + hist],
      t[7][cov * 10 + tr],
      t[8][em * 13 + rank],
      t[9][level(s.affinity)],
    ];
  }

  /** Log-odds that the candidate is taken next. */
  score(features: readonly HashedFeature[]): number {
    return this.model.margin(features);
  }

  /** Weight of one feature value, e.g. `weightOf('emb', 9)`: what the model learned. */
  weightOf(group: (typeof GROUPS)[number], value: number): number {
    return this.model.weightOf(`${group}=${value}`);
  }

  /**
   * Learns from one served list: the taken item is a positive, the other shown candidates are
   * negatives (all of them: FTRL's per-coordinate rates cope with the imbalance); `taken` -1
   * means the user took something that was not shown.
   */
  train(list: readonly HashedFeature[][], taken: number): void {
    for (let j = 0; j < list.length; j++) this.model.update(list[j], j === taken ? 1 : 0);
  }

  /** Updates applied so far. */
  get version(): number {
    return this.model.version;
  }

  toJSON(): FtrlSnapshot {
    return this.model.toJSON();
  }

  static fromJSON(s: FtrlSnapshot): OnlineRanker {
    return new OnlineRanker(Ftrl.fromJSON(s));
  }
}
