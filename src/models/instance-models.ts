// The global models of one processing instance: item embeddings, the FTRL re-ranker, exploration
// over fresh items, and the event clock that ages co-visitation counts. "Global" because they are
// not keyed by user or item: each processing instance trains its own from the events it processes
// (all of them in embedded mode; its partitions' users with Kafka, where instances do not share
// them). The processor commits them with every batch as records of its `models` store, so a restart
// resumes learning where the last commit left it: the embedding vectors of the items a batch
// touched (one record each, so a commit does not grow with the catalogue), the ranker, the
// exploration counters of the items whose counters changed (one record each too) and a version.

import { EmbeddingModel, RING_CHUNK, type EmbeddingOptions, type RingCursor } from './embeddings.ts';
import { Exploration, mulberry32, type ExplorationOptions, type ExplorationSnapshot, type SeededRng } from './exploration.ts';
import type { HashedFeature } from './feature-hashing.ts';
import type { FtrlOptions, FtrlSnapshot } from './ftrl.ts';
import { OnlineRanker } from './ranker.ts';

/** Tunables of the instance models (validated with the rest of the processing config). */
export interface ModelsConfig {
  /** Item embeddings (SGNS, context mode); false turns them off. */
  readonly embeddings: EmbeddingOptions | false;
  /** The FTRL re-ranker; false turns it off. */
  readonly ranker: FtrlOptions | false;
  /** Exploration of newly catalogued items: `share` of the served slots, `maxAgeMs`, `minImpressions`. */
  readonly exploration: ExplorationOptions;
  /** Co-visitation counts halve every this many events (Infinity: never), so tastes can drift. */
  readonly covisHalfLifeEvents: number;
  /** Served lists kept per instance while they wait for the click that trains the ranker. */
  readonly pendingImpressions: number;
}

/** Defaults, tuned by replay of MovieLens ratings (src/eval/README.md). */
export const DEFAULT_MODELS: ModelsConfig = {
  embeddings: { dim: 32, mode: 'context', learningRate: 0.05, negatives: 5, window: 10 },
  ranker: {},
  exploration: { share: 0.1, maxAgeMs: 24 * 3600_000, minImpressions: 100 },
  covisHalfLifeEvents: 20_000,
  pendingImpressions: 20_000,
};

/** One served list, as serving reports it: the impressions that the next click trains on. */
export interface ServedList {
  readonly requestId: string;
  readonly userId: string;
  /** The ranked head the ranker scored, best first, and each item's ranker features. */
  readonly ranked: readonly string[];
  readonly features: readonly (readonly HashedFeature[])[];
  /** What the user was shown (exploration counts impressions of these). */
  readonly shown: readonly string[];
}

/** Weights of new co-visitation pairs grow instead of old ones decaying; rows are rescaled past this. */
const MAX_COVIS_GROWTH = 1e15;
/** An item's vectors: its position in the model's item order (uint32) then 2 * dim float32s. */
const EMB_PREFIX = 'emb:';
/** A chunk of the negatives ring (RING_CHUNK int32 item positions). */
const RING_PREFIX = 'emb-ring:';
/** An item's exploration counters (Exploration.itemRecord). */
export const EXP_PREFIX = 'exp:';
/** Exploration as one JSON record, as commits wrote it before per-item records (still read). */
const WHOLE_EXPLORATION = 'exploration';
/** Events between two prunes of exploration's fresh pool. */
const PRUNE_EVERY = 1000;

interface Meta {
  version: number;
  events: number;
  covisGrowth: number;
  /** Positions of the random streams (absent in records written before they were kept). */
  rng?: number;
  embeddingsRng?: number;
  ring?: RingCursor;
}

/** The models of one processing instance; see the file header. */
export class InstanceModels {
  readonly embeddings: EmbeddingModel | null;
  ranker: OnlineRanker | null;
  exploration: Exploration;
  /** Drives exploration's Thompson draws (seeded: a replay is reproducible). */
  readonly rng: SeededRng = mulberry32(7);
  /** Interactions learned: the models' version, and the clock of event-count decay. */
  events = 0;
  /** Weight of a new co-visitation pair (grows by 2^(1/half-life) per event). */
  covisGrowth = 1;
  private readonly growthStep: number;
  private readonly pending = new Map<string, ServedList>();
  private rankerChanged = false;
  private explorationChanged = false;
  /** The store holds a whole exploration record, to be dropped at the next write (see restore). */
  private wholeExplorationRecord = false;
  /** `events` when meta was last written: an idle instance writes nothing. */
  private writtenEvents = 0;

  constructor(private readonly config: ModelsConfig = DEFAULT_MODELS) {
    this.embeddings = config.embeddings === false ? null : new EmbeddingModel({ ...config.embeddings, mode: 'context' });
    this.embeddings?.trackChanges(true);
    this.ranker = config.ranker === false ? null : new OnlineRanker(config.ranker);
    this.exploration = new Exploration({ ...config.exploration, onlyKnown: true });
    this.growthStep = Number.isFinite(config.covisHalfLifeEvents) ? Math.pow(2, 1 / config.covisHalfLifeEvents) : 1;
  }

  /**
   * Learns one content interaction: the served list it answers trains the ranker (the item is the
   * click, the rest of the list the non-clicks), the embeddings take a step, exploration counts a
   * click. `recent` is the user's item sequence before this event, oldest first.
   */
  learn(userId: string, itemId: string, requestId: string | undefined, recent: readonly string[], ts: number): void {
    const served = this.pending.get(userId);
    if (served !== undefined && (requestId === undefined || requestId === served.requestId)) {
      this.pending.delete(userId);
      if (this.ranker !== null && served.features.length > 0) {
        this.ranker.train(served.features as HashedFeature[][], served.ranked.indexOf(itemId));
        this.rankerChanged = true;
      }
    }
    // A fresh item's interactions count as clicks, from a served list or not (without a recorded
    // impression a click counts as one): an item people find by themselves is no longer unseen.
    if (this.exploration.has(itemId)) {
      this.exploration.recordClick(itemId);
      this.explorationChanged = true;
    }
    this.embeddings?.observe(userId, itemId, undefined, recent);
    this.events++;
    this.covisGrowth *= this.growthStep;
    // items past their fresh age leave the pool, so serving's walk over it stays short
    if (this.events % PRUNE_EVERY === 1 && this.exploration.prune(ts) > 0) this.explorationChanged = true;
  }

  /** Whether co-visitation rows must be rescaled (by 1 / covisGrowth) before weights overflow. */
  get covisRescaleDue(): boolean {
    return this.covisGrowth > MAX_COVIS_GROWTH;
  }

  /** Remembers a served list until the user's next interaction, and counts fresh items' impressions. */
  recordImpressions(list: ServedList): void {
    this.pending.delete(list.userId);
    this.pending.set(list.userId, list);
    if (this.pending.size > this.config.pendingImpressions) this.pending.delete(this.pending.keys().next().value!);
    for (const id of list.shown) {
      if (!this.exploration.has(id)) continue;
      this.exploration.recordImpression(id);
      this.explorationChanged = true;
    }
  }

  /** Registers a newly catalogued item for exploration (`addedAt`: when eddy first saw it). */
  addFreshItem(id: string, addedAt: number): void {
    this.exploration.addItem(id, addedAt);
    this.explorationChanged = true;
  }

  /** Calls `put` for every model record changed since the last call (the processor commits them). */
  writeChanges(put: (key: string, value: Buffer) => void, now: number, remove?: (key: string) => void): void {
    if (this.embeddings !== null) {
      for (const id of this.embeddings.takeChanged()) {
        const v = this.embeddings.vectorsOf(id)!;
        const record = Buffer.allocUnsafe(4 + v.byteLength);
        record.writeUInt32LE(this.embeddings.positionOf(id), 0);
        Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(record, 4);
        put(EMB_PREFIX + id, record);
      }
      for (const { chunk, entries } of this.embeddings.takeRingChanges()) put(RING_PREFIX + chunk, Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength));
    }
    if (this.rankerChanged && this.ranker !== null) put('ranker', Buffer.from(JSON.stringify(this.ranker.toJSON())));
    if (this.explorationChanged) {
      // items that are neither young nor short of impressions leave the fresh pool
      this.exploration.prune(now);
      // One record per changed item: a commit costs what changed, not the whole pool and every
      // item that ever graduated (and a replica loads just those).
      for (const id of this.exploration.takeChanged()) {
        const record = this.exploration.itemRecord(id);
        if (record !== undefined) put(EXP_PREFIX + id, record);
      }
      if (this.wholeExplorationRecord) {
        remove?.(WHOLE_EXPLORATION);
        this.wholeExplorationRecord = false;
      }
    }
    if (this.events !== this.writtenEvents) {
      const meta: Meta = { version: this.events, events: this.events, covisGrowth: this.covisGrowth, rng: this.rng.state, ...(this.embeddings !== null && { embeddingsRng: this.embeddings.rngState, ring: this.embeddings.ringCursor }) };
      put('meta', Buffer.from(JSON.stringify(meta)));
      this.writtenEvents = this.events;
    }
    this.rankerChanged = false;
    this.explorationChanged = false;
  }

  /**
   * Loads the records {@link writeChanges} wrote (restore after a restart). Items are interned in
   * their committed order and the random streams set last (interning draws from them), so a
   * restored model samples the same negatives as the one that committed.
   */
  restore(entries: Iterable<[string, Buffer]>): void {
    const vectors: { id: string; position: number; v: Float32Array }[] = [];
    const ring: { chunk: number; entries: Int32Array }[] = [];
    let meta: Meta | null = null;
    const explored: [string, Buffer][] = [];
    // A whole exploration record (committed before per-item ones) goes first, so that the per-item
    // records it may sit beside (a crash between the two formats) win.
    const all = [...entries].sort((a, b) => (a[0] === WHOLE_EXPLORATION ? -1 : b[0] === WHOLE_EXPLORATION ? 1 : 0));
    for (const [key, value] of all) {
      if (key.startsWith(EMB_PREFIX)) {
        // records written before positions were kept hold the floats alone: they go last
        const positioned = value.byteLength % 8 === 4;
        const floats = value.subarray(positioned ? 4 : 0);
        const v = new Float32Array(floats.byteLength / 4);
        new Uint8Array(v.buffer).set(floats);
        vectors.push({ id: key.slice(EMB_PREFIX.length), position: positioned ? value.readUInt32LE(0) : Number.MAX_SAFE_INTEGER, v });
      } else if (key.startsWith(RING_PREFIX)) {
        const e = new Int32Array(value.byteLength / 4);
        new Uint8Array(e.buffer).set(value);
        ring.push({ chunk: Number(key.slice(RING_PREFIX.length)), entries: e });
      } else if (key === 'ranker' && this.ranker !== null) {
        this.ranker = OnlineRanker.fromJSON(JSON.parse(value.toString('utf8')) as FtrlSnapshot);
      } else if (key.startsWith(EXP_PREFIX)) {
        explored.push([key.slice(EXP_PREFIX.length), value]);
      } else if (key === WHOLE_EXPLORATION) {
        const s = JSON.parse(value.toString('utf8')) as ExplorationSnapshot;
        // the share and ages come from the configuration, the counters from the snapshot
        this.exploration = Exploration.fromJSON({ ...s, ...this.config.exploration, onlyKnown: true } as ExplorationSnapshot);
        // Committed before per-item records: the next commit writes them all and drops this one.
        this.exploration.markAllChanged();
        this.explorationChanged = true;
        this.wholeExplorationRecord = true;
      } else if (key === 'meta') {
        meta = JSON.parse(value.toString('utf8')) as Meta;
      }
    }
    // After a whole record (read first, whatever the order of entries), the per-item ones are newer.
    if (explored.length > 0) this.exploration.restoreItems(explored, explored.length > 256);
    const embeddings = this.embeddings;
    if (embeddings !== null) {
      vectors.sort((a, b) => a.position - b.position);
      for (const { id, v } of vectors) embeddings.setVectors(id, v);
      if (meta?.ring !== undefined) embeddings.restoreRing(meta.ring, ring.filter((c) => c.entries.length === RING_CHUNK));
      embeddings.takeChanged();
      embeddings.takeRingChanges();
    }
    if (meta !== null) {
      this.events = meta.events;
      this.writtenEvents = meta.events;
      this.covisGrowth = meta.covisGrowth;
      if (typeof meta.rng === 'number') this.rng.state = meta.rng;
      if (typeof meta.embeddingsRng === 'number' && embeddings !== null) embeddings.rngState = meta.embeddingsRng;
    }
  }

  /** Models version: interactions learned so far. */
  get version(): number {
    return this.events;
  }
}
