/**
 * The personalization topology as one processor over co-partitioned topics:
 *   user_interactions (by user) -> validate, de-duplicate, enrich, user features
 *                               -> item updates (counts, co-visitation pairs), routed by item
 *   content_clicks (by item)    -> item windows, popularity, co-visitation rows
 *   content_catalog (by item)   -> the catalogue
 * Item updates are applied in place when this instance owns every partition (embedded mode) and
 * sent through content_clicks otherwise, as a Kafka Streams repartition would.
 * Every content interaction also trains the instance's global models (embeddings, the re-ranker
 * from the served lists it answers, exploration); they commit with the batch in the `models` store.
 * Records are told apart by their first byte: eddy's own (the wire format, magic byte 0) are
 * decoded from Avro and not validated again, since ingest did; anything else is JSON from another
 * producer or a dead-letter replay, decoded within the input limits and validated in full. A topic
 * configured to one format (topic-format.ts) dead-letters records in the other.
 */
import { checkDecodedEvent, checkDecodedItem, decodeEventRecord, decodeItemRecord, isWireFormat } from '../events/codec/index.ts';
import { enrich } from '../events/enrich.ts';
import { EddyError, type ErrorCode } from '../errors.ts';
import { DEFAULT_EVENT_TIME, type EventTimePolicy } from '../events/event-time.ts';
import { decodeJsonInput, RejectedInput } from '../events/json-input.ts';
import { CONSUMED_TYPES, INTERACTION_WEIGHT, type Interaction } from '../events/interaction.ts';
import type { CatalogItem, InteractionEvent } from '../events/schema.ts';
import { validateEvent, validateItem, type EventClock } from '../events/validate.ts';
import { checkDecodedItemUpdate, decodeItemUpdateRecord, encodeItemUpdateRecord, validateItemUpdate, type ItemUpdate } from './item-update.ts';
import { readAs, type FormattedTopic, type TopicFormats } from '../events/codec/topic-format.ts';
import { toCatalogEntry, type CatalogEntry } from '../features/catalog.ts';
import {
  addCovisitation,
  type CovisRow,
  emptyItemState,
  itemStateCodec,
  covisRowCodec,
  type ItemFeatureConfig,
  type ItemState,
} from '../features/item-features.ts';
import { PopularityIndex } from '../features/popularity-index.ts';
import {
  DEFAULT_USER_FEATURES,
  emptyUserState,
  segmentsOf,
  userStateCodec,
  type UserFeatureConfig,
  type UserState,
} from '../features/user-features.ts';
import { DedupIndex, DEFAULT_DEDUP, dedupChunkCodec, dedupKey, type DedupChunk, type DedupConfig } from '../stream/state/dedup-index.ts';
import { Dictionaries, dictionaryChunkCodec, dictionaryKey, parseDictionaryKey } from '../stream/state/id-dictionary.ts';
import { SparseRow } from '../stream/state/sparse-row.ts';
import { partitionFor } from '../log/partitioner.ts';
import type { LogRecord, StateWrite, TopicPartition } from '../log/types.ts';
import { DEFAULT_MODELS, EXP_PREFIX, InstanceModels, type ModelsConfig, type ServedList } from '../models/instance-models.ts';
import { halfLifeToLambda } from '../stream/decay.ts';
import { KeyValueStore, type Codec } from '../stream/state-store.ts';
import type { Processor, ProcessorContext } from '../stream/topology.ts';

/** The part of a context the processing steps use: a direct caller (a catalogue reader) passes only this. */
type Emitter = Pick<ProcessorContext, 'forward'>;
import { Watermark } from '../stream/watermark.ts';
import type { TopicNames } from './topics.ts';

/** Tunables of the processing topology. */
export interface ProcessingConfig {
  readonly user: UserFeatureConfig;
  /** Event-id de-duplication: one bounded index per partition of user_interactions. */
  readonly dedup: DedupConfig;
  /**
   * Users held decoded, the most recently active; the others are held encoded (their committed
   * bytes, ~150 each) and decoded when an event or a request reads them. Bounds memory at millions
   * of users; restore then decodes nobody.
   */
  readonly hotUsers: number;
  /** How many of the user's previous items an interaction is paired with for co-visitation. */
  readonly covisHistory: number;
  /** Neighbours kept per co-visitation row (it may hold up to twice as many between prunes). */
  readonly covisRowCap: number;
  /** The pair with the d-th previous item weighs covisPairDecay^(d-1): adjacent items say most. */
  readonly covisPairDecay: number;
  /** Weight of the backward direction (later item -> earlier one) relative to forward. */
  readonly covisBackward: number;
  /** The instance's global models (embeddings, ranker, exploration, co-visitation ageing). */
  readonly models: ModelsConfig;
  /** Half-life of an item's popularity. */
  readonly popularityHalfLifeMs: number;
  /** Events older than the watermark by more than this are late (counted, side-output). */
  readonly allowedLatenessMs: number;
  /** Which event times a record may carry (too far ahead of the wall clock, or too old: dead-lettered). */
  readonly eventTime: EventTimePolicy;
  /**
   * After this long without an interaction (wall clock), stream time follows the wall clock minus
   * `allowedLatenessMs`, so windows empty out and trending means now (Flink's `withIdleness`).
   * 0 turns it off (replays of recorded data, which have no wall clock of their own).
   */
  readonly idleTimeoutMs: number;
  /** The record format of each input topic (topic-format.ts); a topic not named is `auto`. */
  readonly topicFormats?: TopicFormats;
}

export const DEFAULT_PROCESSING: ProcessingConfig = {
  user: DEFAULT_USER_FEATURES,
  dedup: DEFAULT_DEDUP,
  hotUsers: 100_000,
  covisHistory: 10,
  covisRowCap: 100,
  covisPairDecay: 0.9,
  covisBackward: 0.5,
  models: DEFAULT_MODELS,
  popularityHalfLifeMs: 24 * 3600_000,
  allowedLatenessMs: 60_000,
  eventTime: DEFAULT_EVENT_TIME,
  idleTimeoutMs: 60_000,
};

/** Idle stream time moves in steps of this much, so an idle instance commits a few times a minute. */
const IDLE_STEP_MS = 5000;


/** Counters the pipeline exports as metrics. */
export interface ProcessingStats {
  processed: number;
  duplicates: number;
  deadLettered: number;
  late: number;
  /** Highest event time seen (stream time). */
  streamTime: number;
}

export interface PersonalizationProcessorOptions {
  readonly topics: TopicNames;
  readonly partitions: number;
  readonly config?: ProcessingConfig;
  /** Apply item updates in place (this instance owns every partition) instead of via the log. */
  readonly local: boolean;
  /**
   * The catalogue is fed by a global reader through `applyCatalog` (every processor of a group
   * needs every item's category, not only its partitions'), so it is not one of the task's stores.
   */
  readonly globalCatalog?: boolean;
  /** Clock of catalogue `addedAt` (replays pass their stream time). */
  readonly now?: () => number;
  /** The wall clock event times are checked against and idleness is measured on. */
  readonly wallClock?: () => number;
}

/** Model records are opaque bytes (InstanceModels encodes them). */
const bytesCodec: Codec<Buffer> = { encode: (b) => b, decode: (b) => Buffer.from(b) };

export class PersonalizationProcessor implements Processor {
  /** Each partition's id dictionary: the integers its users' and items' state holds. */
  // A new name marks its chunk changed at once, so the store always holds the whole dictionary.
  readonly dictionaries = new Dictionaries((partition, chunk, names) => this.dictionaryStore.put(dictionaryKey(partition, chunk), partition, names));
  /** The dictionaries' chunks (key `<partition>:<chunk>`), committed with the state that uses them. */
  readonly dictionaryStore = new KeyValueStore<string[]>('dictionary', dictionaryChunkCodec);
  readonly users: KeyValueStore<UserState>;
  readonly items = new KeyValueStore<ItemState>('items', itemStateCodec);
  readonly covis = new KeyValueStore<CovisRow>('covis', covisRowCodec(this.dictionaries));
  /** The de-duplication indexes' chunks (key `<partition>:<seq>`), see DedupIndex. */
  readonly dedupStore = new KeyValueStore<DedupChunk>('dedup', dedupChunkCodec);
  private readonly dedup = new Map<number, DedupIndex>();
  readonly catalog = new KeyValueStore<CatalogEntry>('catalog');
  /**
   * Stream time per partition of user_interactions (key `p<partition>`): committed with the state
   * it belongs to, so that after a restart windows are read at the time they were written at.
   */
  readonly clock = new KeyValueStore<number>('clock');
  /** The global models' records (see InstanceModels), in the anchor partition. */
  readonly modelStore = new KeyValueStore<Buffer>('models', bytesCodec);
  readonly models: InstanceModels;
  /** Committed model records a replica has not loaded yet (see applyCommittedModels). */
  private readonly modelsPending = new Map<string, Buffer>();
  /** The whole-model records (ranker, exploration, meta) a replica loaded last. */
  private readonly modelsApplied = new Map<string, Buffer>();
  readonly stores: readonly KeyValueStore<unknown>[];
  /** The stores by name (a replica looks one up per committed write). */
  private readonly storesByName: ReadonlyMap<string, KeyValueStore<unknown>>;
  readonly popularity = new PopularityIndex();
  readonly stats: ProcessingStats = { processed: 0, duplicates: 0, deadLettered: 0, late: 0, streamTime: 0 };
  readonly watermark: Watermark;
  private readonly config: ProcessingConfig;
  private readonly popLambda: number;
  /** What the item features are tuned with, resolved once. */
  private readonly itemFeatures: ItemFeatureConfig;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly eventClock: EventClock;
  /** Highest accepted event time per partition since the last `punctuate` wrote it to `clock`. */
  private readonly partitionTime = new Map<number, number>();
  /** Partitions of user_interactions this instance owns (idle stream time is written to each). */
  private ownedPartitions: number[] = [];
  /** Wall-clock time of the last interaction record, for idleness. */
  private lastArrival: number;
  private readonly partitionCache = new Map<string, number>();
  /**
   * The lowest partition this instance owns: its global models are committed there, so that the
   * instance that gets it back after a restart finds them.
   */
  private anchor = 0;
  /** Observers of each processed interaction (models learn here). */
  private readonly listeners: ((e: Interaction, before: UserState) => void)[] = [];

  constructor(private readonly options: PersonalizationProcessorOptions) {
    this.config = options.config ?? DEFAULT_PROCESSING;
    this.popLambda = halfLifeToLambda(this.config.popularityHalfLifeMs);
    this.itemFeatures = { popularityLambda: this.popLambda };
    this.watermark = new Watermark(this.config.allowedLatenessMs);
    this.now = options.now ?? Date.now;
    this.wallClock = options.wallClock ?? Date.now;
    this.eventClock = { now: this.wallClock, policy: this.config.eventTime };
    this.lastArrival = this.wallClock();
    this.models = new InstanceModels(this.config.models);
    this.users = new KeyValueStore<UserState>('users', userStateCodec(this.dictionaries, this.config.user), { maxDecoded: this.config.hotUsers });
    // The dictionary first: a restore reads it before the values that refer to it.
    const stores = [this.dictionaryStore, this.users, this.items, this.covis, this.dedupStore, ...(options.globalCatalog ? [] : [this.catalog]), this.modelStore, this.clock];
    this.stores = stores as KeyValueStore<unknown>[];
    this.storesByName = new Map(this.stores.map((store) => [store.name, store]));
  }

  /** Calls `listener` for every interaction, after dedup and enrichment, before user state changes. */
  onInteraction(listener: (e: Interaction, before: UserState) => void): void {
    this.listeners.push(listener);
  }

  /** Rebuilds derived state (the popularity index, the models) after partitions were restored. */
  onAssigned(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.anchor = Math.min(...partitions.map((tp) => tp.partition));
    this.ownedPartitions = [...new Set(partitions.filter((tp) => tp.topic === this.options.topics.interactions).map((tp) => tp.partition))];
    // Dictionaries and dedup indexes become what was restored (the objects stay: values point at them).
    const restored = [...new Set(partitions.map((tp) => tp.partition))];
    this.dictionaries.reconcile(restored, this.dictionaryStore.entries());
    this.reconcileDedup(restored);
    // Stream time is what the restored partitions had committed (it never moves backwards).
    for (const [, ts] of this.clock.entries()) this.advanceStreamTime(ts);
    this.models.restore(this.modelStore.entries());
    this.popularity.clear();
    for (const [id, item] of this.items.entries()) {
      if (Number.isFinite(item.logPop)) this.popularity.offer(id, this.catalog.get(id)?.category, item.logPop);
    }
  }

  /** A replica's restore of one committed entry (see {@link applyCommitted}); `onAssigned` follows. */
  restoreCommitted(store: string, key: string, partition: number, value: Buffer): void {
    const s = this.storesByName.get(store);
    if (s !== undefined) this.loadCommitted(s, key, partition, value);
  }

  /** Users and co-visitation rows are decoded when read; what derived state needs, at once. */
  private loadCommitted(store: KeyValueStore<unknown>, key: string, partition: number, value: Buffer): void {
    if (store === this.users || store === this.covis) store.loadEncoded(key, partition, value);
    else store.restoreEntry(key, partition, value);
  }

  /**
   * Follows a processor that runs elsewhere (a worker thread): applies the state writes it
   * committed, and what derives from them (popularity, stream time, models). This instance then
   * answers every read as that processor did at its commit; it never processes records itself.
   */
  applyCommitted(writes: readonly StateWrite[]): void {
    const items: string[] = [];
    const reload = new Set<number>();
    for (const w of writes) {
      const store = this.storesByName.get(w.store);
      if (store === undefined) continue;
      if (w.value === null) {
        store.forget(w.key);
        continue;
      }
      this.loadCommitted(store, w.key, w.partition, w.value);
      if (store === this.modelStore) this.modelsPending.set(w.key, w.value);
      else if (store === this.items || store === this.catalog) items.push(w.key);
      else if (store === this.clock) this.advanceStreamTime(this.clock.get(w.key)!);
      else if (store === this.dictionaryStore) {
        // New names before anything reads the values that refer to them; a chunk that does not
        // continue what is held (never expected) reloads that partition's dictionary.
        const k = parseDictionaryKey(w.key);
        if (k !== undefined && !this.dictionaries.of(w.partition).extend(k.chunk, this.dictionaryStore.get(w.key)!)) reload.add(w.partition);
      }
    }
    if (reload.size > 0) this.dictionaries.reconcile(reload, this.dictionaryStore.entries());
    for (const id of items) {
      const item = this.items.get(id);
      if (item !== undefined && Number.isFinite(item.logPop)) this.popularity.offer(id, this.catalog.get(id)?.category, item.logPop);
    }
    this.applyCommittedModels();
  }

  /**
   * Loads the model records {@link applyCommitted} set aside (it calls this at the end; a caller
   * may defer it). The ranker and exploration are rebuilt from whole records, so one that did not
   * change is skipped.
   */
  applyCommittedModels(): void {
    if (this.modelsPending.size === 0) return;
    const records: [string, Buffer][] = [];
    for (const [key, value] of this.modelsPending) {
      // A whole-model record rewritten unchanged (the ranker between clicks) is not rebuilt again.
      const last = this.modelsApplied.get(key);
      if (last !== undefined && last.equals(value)) continue;
      if (!key.startsWith('emb') && !key.startsWith(EXP_PREFIX)) this.modelsApplied.set(key, Buffer.from(value)); // a copy: value is a view into a whole message
      records.push([key, value]);
    }
    this.modelsPending.clear();
    if (records.length > 0) this.models.restore(records);
  }

  /** Partition `partition`'s de-duplication index. */
  dedupIndex(partition: number): DedupIndex {
    let index = this.dedup.get(partition);
    if (index === undefined) {
      index = new DedupIndex(partition, this.config.dedup);
      this.dedup.set(partition, index);
    }
    return index;
  }

  /** Loads each restored partition's dedup index from its store, unless it holds those chunks already. */
  private reconcileDedup(partitions: readonly number[]): void {
    const byPartition = new Map<number, DedupChunk[]>();
    for (const [key, chunk] of this.dedupStore.entries()) {
      const p = Number(key.slice(0, key.indexOf(':')));
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(chunk);
    }
    for (const p of partitions) {
      const chunks = (byPartition.get(p) ?? []).sort((a, b) => a.seq - b.seq);
      const index = this.dedupIndex(p);
      const held = index.chunkList();
      const same = held.length >= chunks.length && chunks.every((c, i) => held[i] === c);
      if (!same) index.load(chunks);
    }
  }

  process(records: readonly LogRecord[], context: Emitter): void {
    const { topics } = this.options;
    // The catalogue is a table the events are joined with: apply its changes in a batch first, so
    // that an item stored before its first events is known when they are enriched.
    for (const record of records) if (record.topic === topics.catalog) this.applyCatalog(record, context);
    for (const record of records) {
      if (record.topic === topics.interactions) {
        this.lastArrival = this.wallClock();
        this.processInteraction(record, context);
      } else if (record.topic === topics.contentClicks) this.processItemRecord(record, context);
    }
  }

  /** Moves stream time (and the watermark) forward to `ts`; never back. */
  private advanceStreamTime(ts: number): void {
    if (!(ts > this.stats.streamTime)) return;
    this.stats.streamTime = ts;
    this.watermark.advanceTo(ts);
  }

  private deadLetter(record: LogRecord, errors: readonly string[], context: Emitter, code?: ErrorCode): void {
    this.stats.deadLettered++;
    context.forward({
      topic: this.options.topics.deadLetter,
      key: record.key,
      value: record.value,
      headers: {
        'eddy-error': errors.join('; '),
        'eddy-source': `${record.topic}/${record.partition}/${record.offset}`,
        ...(code !== undefined && { 'eddy-error-code': code }),
      },
    });
  }

  /** Dead-letters a binary record that does not decode: its id is unknown, or its bytes are corrupt. */
  private deadLetterUndecodable(record: LogRecord, error: unknown, context: Emitter): void {
    // The codec reports every failure as an EddyError; anything else is a record it did not foresee.
    if (error instanceof EddyError) return this.deadLetter(record, error.details.map(String), context, error.code);
    this.deadLetter(record, [`/: could not be decoded (${String((error as Error)?.message ?? error).slice(0, 200)})`], context, 'EDDY_CORRUPT_RECORD');
  }

  /** The event of a binary record after the cheap checks; undefined when it was dead-lettered. */
  private decodeEvent(record: LogRecord, context: Emitter): InteractionEvent | undefined {
    return this.decodeChecked(record, context, decodeEventRecord, (event) => checkDecodedEvent(event, this.eventClock));
  }

  /**
   * A binary record decoded, then given the cheap checks a decoded record still needs; a record
   * that fails either is dead-lettered (undefined).
   */
  private decodeChecked<T>(record: LogRecord, context: Emitter, decode: (bytes: Buffer) => T, check: (value: T) => string | undefined): T | undefined {
    let value: T;
    try {
      value = decode(record.value);
    } catch (error) {
      this.deadLetterUndecodable(record, error, context);
      return undefined;
    }
    const problem = check(value);
    if (problem === undefined) return value;
    this.deadLetter(record, [problem], context);
    return undefined;
  }


  /** Decodes a record's JSON within the input limits; a record that breaks them is dead-lettered. */
  private parse(record: LogRecord, context: Emitter): unknown {
    const value = decodeJsonInput(record.value);
    if (!(value instanceof RejectedInput)) return value;
    this.deadLetter(record, value.errors, context);
    return undefined;
  }

  /** How a record of an input topic is read ('avro' or 'json'); undefined when its topic's format refused it (dead-lettered). */
  private formatOf(record: LogRecord, topic: FormattedTopic, context: Emitter): 'avro' | 'json' | undefined {
    const read = readAs(record.value, topic, this.config.topicFormats ?? {});
    if ('as' in read) return read.as;
    this.deadLetter(record, [read.refused], context, 'EDDY_CORRUPT_RECORD');
    return undefined;
  }

  private processInteraction(record: LogRecord, context: Emitter): void {
    const format = this.formatOf(record, 'user_interactions', context);
    if (format === undefined) return;
    if (format === 'avro') {
      const event = this.decodeEvent(record, context);
      if (event !== undefined) this.applyInteraction(event, record.partition, context);
      return;
    }
    const raw = this.parse(record, context);
    if (raw === undefined) return;
    const checked = validateEvent(raw, this.eventClock);
    if (!checked.ok) return this.deadLetter(record, checked.errors, context);
    this.applyInteraction(checked.value, record.partition, context);
  }

  /** Applies one valid event: the user side, then the item updates it causes. */
  applyInteraction(event: InteractionEvent, partition: number, context: Emitter): void {
    const dedup = this.dedupIndex(partition);
    if (event.event_id !== undefined && dedup.has(event.event_id)) {
      this.stats.duplicates++;
      return;
    }
    let user = this.users.get(event.user_id);
    const e = enrich(event, { categoryOf: (id) => this.catalog.get(id)?.category, segmentsOf: () => segmentsOf(user) });
    this.stats.processed++;
    this.watermark.observe(e.ts);
    if (e.ts > this.stats.streamTime) this.stats.streamTime = e.ts;
    if (e.ts > (this.partitionTime.get(partition) ?? Number.NEGATIVE_INFINITY)) this.partitionTime.set(partition, e.ts);
    if (user === undefined) user = emptyUserState(e.ts, this.dictionaries.of(partition), this.config.user);
    for (const listener of this.listeners) listener(e, user);
    if (e.contentId !== undefined && INTERACTION_WEIGHT[e.type] > 0) {
      this.emitItemUpdates(e, user, context);
      this.models.learn(e.userId, e.contentId, e.requestId, user.recent.map((r) => r[0]), e.ts);
      if (this.models.covisRescaleDue) this.rescaleCovisitation();
    }
    user.update(e);
    if (e.eventId !== undefined) dedup.add(e.eventId, e.ts);
    this.users.put(e.userId, partition, user);
  }

  /**
   * Counts for the item, and co-visitation pairs with the user's previous items: the earlier item's
   * row gets the new one (forward), the new item's row the earlier one (backward, weaker). New pairs
   * weigh more as the instance's event clock advances, which ages old counts without touching them.
   */
  private emitItemUpdates(e: Interaction, user: UserState, context: Emitter): void {
    const item = e.contentId!;
    const { covisHistory, covisPairDecay, covisBackward } = this.config;
    this.route({ k: 'count', item, type: e.type, ts: e.ts, ...(e.category !== undefined && { cat: e.category }) }, context);
    const recent = user.recent;
    const weight = INTERACTION_WEIGHT[e.type];
    // Across instances (Kafka) the clocks differ, so counts only age in embedded mode.
    let decay = (this.options.local ? this.models.covisGrowth : 1) * (CONSUMED_TYPES.has(e.type) ? 1 : 0.5);
    let distance = 0;
    const seen = new Set<string>([item]);
    for (let i = recent.length - 1; i >= 0 && distance < covisHistory; i--) {
      const [other, , otherWeight] = recent[i];
      if (seen.has(other)) continue;
      seen.add(other);
      distance++;
      const w = Math.sqrt(weight * otherWeight) * decay;
      decay *= covisPairDecay;
      this.route({ k: 'pair', item: other, other: item, w }, context);
      if (covisBackward > 0) this.route({ k: 'pair', item, other, w: w * covisBackward }, context);
    }
  }

  /** Divides every co-visitation weight by the event clock's growth, before it overflows. */
  private rescaleCovisitation(): void {
    const f = 1 / this.models.covisGrowth;
    for (const [id, row] of this.covis.entries()) {
      row.scale(f);
      this.covis.put(id, this.itemPartition(id), row);
    }
    this.models.covisGrowth = 1;
  }

  /** Serving reports each list it served here; the user's next interaction trains on it. */
  recordImpressions(list: ServedList): void {
    this.models.recordImpressions(list);
  }

  /** Schedules the idleness check on the wall clock (see `ProcessingConfig.idleTimeoutMs`). */
  init(context: ProcessorContext): void {
    const { idleTimeoutMs } = this.config;
    if (idleTimeoutMs > 0) context.schedule(Math.max(20, Math.min(1000, idleTimeoutMs / 4)), 'wall-clock', () => this.followWallClockWhenIdle());
  }

  /**
   * Before each commit: each partition's stream time into the clock store, and the models' changed
   * records into the models store (a record changed many times since the last commit is written once).
   */
  flush(): void {
    for (const [partition, ts] of this.partitionTime) {
      if (ts > (this.clock.get(`p${partition}`) ?? Number.NEGATIVE_INFINITY)) this.clock.put(`p${partition}`, partition, ts);
    }
    this.partitionTime.clear();
    // Only what changed: a dedup index's filling chunk and the ones it dropped.
    for (const [partition, index] of this.dedup) {
      const { put, deleted } = index.takeChanges();
      for (const chunk of put) this.dedupStore.put(dedupKey(partition, chunk.seq), partition, chunk);
      for (const seq of deleted) this.dedupStore.delete(dedupKey(partition, seq), partition);
    }
    this.models.writeChanges(
      (key, value) => this.modelStore.put(key, this.anchor, value),
      this.stats.streamTime,
      (key) => this.modelStore.delete(key, this.anchor),
    );
  }

  /** Stream time: the highest accepted event time (or the idle wall clock), never a log timestamp. */
  streamTime(): number {
    return this.stats.streamTime;
  }

  /** Idleness: no interaction for `idleTimeoutMs`, so stream time follows the wall clock (see config). */
  private followWallClockWhenIdle(): void {
    const { idleTimeoutMs, allowedLatenessMs } = this.config;
    if (idleTimeoutMs <= 0) return;
    const wall = this.wallClock();
    if (wall - this.lastArrival < idleTimeoutMs) return;
    const target = wall - allowedLatenessMs;
    if (target - this.stats.streamTime < IDLE_STEP_MS) return;
    this.advanceStreamTime(target);
    for (const p of this.ownedPartitions) this.partitionTime.set(p, target);
  }

  /** Partition of an item key, memoised: hashing the key is the costliest step of routing. */
  private itemPartition(item: string): number {
    let p = this.partitionCache.get(item);
    if (p === undefined) {
      if (this.partitionCache.size >= 1_000_000) this.partitionCache.clear();
      p = partitionFor(item, this.options.partitions);
      this.partitionCache.set(item, p);
    }
    return p;
  }

  private route(update: ItemUpdate, context: Emitter): void {
    const partition = this.itemPartition(update.item);
    if (this.options.local) return this.applyItemUpdate(update, partition, context);
    context.forward({
      topic: this.options.topics.contentClicks,
      key: update.item,
      value: encodeItemUpdateRecord(update),
      headers: { 'eddy-kind': 'item-update' },
    });
  }

  private processItemRecord(record: LogRecord, context: Emitter): void {
    const itemUpdate = record.headers['eddy-kind'] === 'item-update';
    // eddy's own updates are binary (JSON from an older eddy still reads), whatever the topic's format.
    if (itemUpdate && isWireFormat(record.value)) {
      const update = this.decodeChecked(record, context, decodeItemUpdateRecord, (u) => checkDecodedItemUpdate(u, this.eventClock));
      if (update !== undefined) this.applyItemUpdate(update, record.partition, context);
      return;
    }
    const format = itemUpdate ? 'json' : this.formatOf(record, 'content_clicks', context);
    if (format === undefined) return;
    if (format === 'avro') {
      const event = this.decodeEvent(record, context);
      if (event !== undefined) this.countForItem(event, record, context);
      return;
    }
    const raw = this.parse(record, context);
    if (raw === undefined) return;
    if (itemUpdate) {
      // Anyone can write to a topic: an update is trusted no more than an event is.
      const update = validateItemUpdate(raw, this.eventClock);
      if (!update.ok) return this.deadLetter(record, update.errors, context);
      return this.applyItemUpdate(update.value, record.partition, context);
    }
    // Another producer's event on content_clicks: it counts for the item only.
    const checked = validateEvent(raw, this.eventClock);
    if (!checked.ok) return this.deadLetter(record, checked.errors, context);
    this.countForItem(checked.value, record, context);
  }

  /** Another producer's event on content_clicks: it counts for the item only. */
  private countForItem(e: InteractionEvent, record: LogRecord, context: Emitter): void {
    if (e.content_id === undefined) return this.deadLetter(record, ['/content_id: is required'], context);
    const category = this.catalog.get(e.content_id)?.category;
    const ts = typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp);
    this.applyItemUpdate({ k: 'count', item: e.content_id, type: e.event_type, ts, ...(category !== undefined && { cat: category }) }, record.partition, context);
  }

  /** Applies one item update to the item's state. */
  applyItemUpdate(update: ItemUpdate, partition: number, context: Emitter): void {
    if (update.k === 'pair') {
      const row = this.covis.get(update.item) ?? new SparseRow(this.dictionaries.of(partition), this.config.covisRowCap);
      addCovisitation(row, update.other, update.w);
      this.covis.put(update.item, partition, row);
      return;
    }
    const state = this.items.get(update.item) ?? emptyItemState();
    const onTime = state.update(update, this.itemFeatures) && !this.watermark.isLate(update.ts);
    if (!onTime) {
      this.stats.late++;
      context.forward({ topic: this.options.topics.late, key: update.item, value: Buffer.from(JSON.stringify(update)) });
    }
    this.popularity.offer(update.item, update.cat ?? this.catalog.get(update.item)?.category, state.logPop);
    this.items.put(update.item, partition, state);
  }

  /** Applies one content_catalog record (the task's own, or a global reader's). */
  applyCatalog(record: LogRecord, context: Emitter): void {
    const format = this.formatOf(record, 'content_catalog', context);
    if (format === undefined) return;
    const item = format === 'avro' ? this.decodeItem(record, context) : this.parseItem(record, context);
    if (item === undefined) return;
    const previous = this.catalog.get(item.content_id);
    const entry = toCatalogEntry(item, this.now(), previous);
    this.catalog.put(entry.content_id, record.partition, entry);
    // A newly catalogued item nobody has interacted with yet is what exploration is for.
    if (previous === undefined && !this.items.has(entry.content_id)) this.models.addFreshItem(entry.content_id, entry.addedAt);
    const state = this.items.get(entry.content_id);
    if (state !== undefined && Number.isFinite(state.logPop)) this.popularity.offer(entry.content_id, entry.category, state.logPop);
  }

  /** The item of a binary catalogue record after the cheap checks; undefined when it was dead-lettered. */
  private decodeItem(record: LogRecord, context: Emitter): CatalogItem | undefined {
    return this.decodeChecked(record, context, (bytes) => decodeItemRecord(bytes), checkDecodedItem);
  }


  /** The item of a JSON catalogue record, validated in full; undefined when it was dead-lettered. */
  private parseItem(record: LogRecord, context: Emitter): CatalogItem | undefined {
    const raw = this.parse(record, context);
    if (raw === undefined) return undefined;
    const checked = validateItem(raw);
    if (checked.ok) return checked.value;
    this.deadLetter(record, checked.errors, context);
    return undefined;
  }

  /**
   * Mean committed bytes of a user's state and of an item's (windows plus co-visitation row), from
   * a sample of up to `sample` keys each (eddy_state_bytes_per_user / _per_item, bench/state-size.ts).
   */
  stateSizes(sample = 1000): { perUser: number; perItem: number } {
    const perItem = this.items.meanEncodedBytes(sample) + (this.items.size === 0 ? 0 : (this.covis.meanEncodedBytes(sample) * this.covis.size) / this.items.size);
    return { perUser: Math.round(this.users.meanEncodedBytes(sample)), perItem: Math.round(perItem) };
  }

  /** Popularity of an item decayed to stream time, comparable to others' (for scoring). */
  popularityLogScore(id: string): number {
    return this.items.get(id)?.logPop ?? Number.NEGATIVE_INFINITY;
  }

  /** Forward-decay lambda, so that callers can convert log scores to counts at a time. */
  get popularityLambda(): number {
    return this.popLambda;
  }
}
