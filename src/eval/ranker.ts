// An FTRL re-ranker over candidate features, trained online from the served lists themselves:
// each list is a set of impressions, the item the user actually takes next is the click. The
// blend weights of the reference recommender are then learned per log instead of hand-tuned,
// which is what should carry to logs we did not tune on.

import { Ftrl, type FtrlOptions } from '../models/ftrl.ts';
import type { HashedFeature } from '../models/feature-hashing.ts';

/** Signals of one candidate, all computed by the reference recommender for one request. */
export interface CandidateSignals {
  /** 0-based rank in the hand-tuned blend */
  blendRank: number;
  /** co-visitation score / best co-visitation score of the request (0..1) */
  covis: number;
  /** recent popularity / best of the request (0..1) */
  trend: number;
  /** embedding score, min-max normalised over the candidates (0..1) */
  emb: number;
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
  return Math.min(9, Math.floor(x * 10));
}

/** Number of feature groups; each has a small closed vocabulary, so indices are precomputed. */
const GROUPS = ['rank', 'covis', 'trend', 'emb', 'pop', 'hist', 'rank^hist', 'covis^trend', 'emb^rank'] as const;

/** Online re-ranker; see the file header. */
export class OnlineRanker {
  readonly model: Ftrl;
  /** precomputed hashed index per (group, value): hashing strings per request would dominate */
  private readonly table: Int32Array[];
  private readonly bias: number;

  constructor(options: FtrlOptions = {}) {
    this.model = new Ftrl({ alpha: 0.05, beta: 1, l1: 0.5, l2: 1, bits: 16, ...options });
    this.table = GROUPS.map((g) => Int32Array.from({ length: 200 }, (_, v) => this.model.hasher.indexOf(`${g}=${v}`)));
    this.bias = this.model.hasher.indexOf('__bias__');
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
      { index: this.bias, value: 1 },
      { index: t[0][rank], value: 1 },
      { index: t[1][cov], value: 1 },
      { index: t[2][tr], value: 1 },
      { index: t[3][em], value: 1 },
      { index: t[4][bucket(s.popularity)], value: 1 },
      { index: t[5][hist], value: 1 },
      { index: t[6][rank * 13 + hist], value: 1 },
      { index: t[7][cov * 10 + tr], value: 1 },
      { index: t[8][em * 13 + rank], value: 1 },
    ];
  }

  /** Log-odds that the candidate is taken next. */
  score(features: readonly HashedFeature[]): number {
    return this.model.margin(features);
  }

  /**
   * Learns from one served list: the taken item is a positive, the other shown candidates are
   * negatives (all of them: FTRL's per-coordinate rates cope with the imbalance).
   */
  train(list: readonly HashedFeature[][], taken: number): void {
    for (let j = 0; j < list.length; j++) this.model.update(list[j], j === taken ? 1 : 0);
  }
}
