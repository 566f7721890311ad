/**
 * The Redis feature store: serving reads what the processors published (`RedisFeaturePublisher`),
 * decoded with the processor's own codecs. Batch reads are one pipelined round trip.
 *
 * Redis being down must not turn into 5xx: commands fail fast (no offline queue, a command
 * timeout), a failure opens a short circuit so the next requests do not wait for the timeout again,
 * and reads are answered from a bounded cache of recent reads (values, popular lists, stream
 * time). A user never read before is then unknown, which serves them as a cold start from the last
 * good popular list. The client reconnects by itself; every fallback calls `onFallback`.
 *
 * A Redis that restarted empty (it keeps nothing on disk) answers "no such key" until the processors
 * have republished; that is told apart from a deletion (a tombstone keeps its offset field, a lost
 * key has nothing) and answered from the cache too, so serving keeps its last known values instead
 * of turning every user cold for the seconds a republish takes. Values the cache never held stay
 * unknown: callers must expect `undefined` for any id, even one another read just listed.
 */
import { Redis, type ChainableCommander } from 'ioredis';
import { failFastOptions } from '../ops/redis-options.ts';
import { jsonCodec, type Codec } from '../stream/state-store.ts';
import type { CatalogEntry } from './catalog.ts';
import type { FeatureStore } from './feature-store.ts';
import { covisRowCodec, itemStateCodec, type CovisRow, type ItemState } from './item-features.ts';
import { Dictionaries, DICTIONARY_CHUNK, dictionaryChunkCodec, dictionaryKey } from '../stream/state/id-dictionary.ts';
import { userStateCodec } from './user-features.ts';
import type { ScoredItem } from './popularity-index.ts';
import { ACTIVE_WINDOW_MS, OVERALL, redisKeys, STORES } from './redis-publisher.ts';
import type { UserState } from './user-features.ts';

/** A small LRU map whose entries also expire: the fallback's memory of recent reads. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    this.map.delete(key);
    if (entry.expires <= this.now()) return undefined;
    // Re-inserting moves the key to the young end of the Map's insertion order.
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/** The values a serving request needs, read together. */
export interface BatchRequest {
  readonly users?: readonly string[];
  readonly items?: readonly string[];
  readonly covis?: readonly string[];
  readonly catalog?: readonly string[];
}

/** The answer to a `BatchRequest`, position for position. */
export interface BatchResult {
  readonly users: (UserState | undefined)[];
  readonly items: (ItemState | undefined)[];
  readonly covis: (CovisRow | undefined)[];
  readonly catalog: (CatalogEntry | undefined)[];
}

export interface RedisFeatureStoreOptions {
  /** A client to use (its options are the caller's; left open by `close`), or a URL to connect to. */
  readonly redis: Redis | string;
  /** Tenant prefix of every key, as the publisher's. */
  readonly prefix?: string;
  /** Called once per read answered from the fallback (eddy_feature_store_fallback_total). */
  readonly onFallback?: () => void;
  /** Recent reads kept for the fallback (default 10 000) and for how long (default 10 min). */
  readonly cacheEntries?: number;
  readonly cacheTtlMs?: number;
  /** A command not answered within this fails (default 100 ms): a hung Redis costs one timeout. */
  readonly commandTimeoutMs?: number;
  /** After a failure, reads skip Redis for this long (default 1 s). */
  readonly circuitOpenMs?: number;
  readonly now?: () => number;
}

type Decoded = UserState | ItemState | CovisRow | CatalogEntry;
type StoreName = (typeof STORES)[keyof typeof STORES];

/** The processor's codecs; user and co-visitation values resolve their ids through `dictionaries`. */
function codecsOver(dictionaries: Dictionaries): Readonly<Record<StoreName, Codec<Decoded>>> {
  return {
    users: userStateCodec(dictionaries),
    items: itemStateCodec,
    covis: covisRowCodec(dictionaries),
    catalog: jsonCodec<CatalogEntry>(),
  } as Record<StoreName, Codec<Decoded>>;
}

/** The store the processors' dictionaries are published under (see PersonalizationProcessor). */
const DICTIONARY_STORE = 'dictionary';

/**
 * Reads ZSCORE meta streamTime and the active items after it minus the window, in one call; nil when
 * no stream time was ever published (a Redis that restarted empty and is not republished yet).
 */
const ACTIVE_ITEMS = `
local s = redis.call('ZSCORE', KEYS[1], 'streamTime')
if not s then return false end
return redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. string.format('%.17g', tonumber(s) - tonumber(ARGV[1])), '+inf')
`;

interface ActiveItemsCommand {
  eddyActiveItems(meta: string, active: string, windowMs: number): Promise<string[] | null>;
}


export class RedisFeatureStore implements FeatureStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis & ActiveItemsCommand;
  private readonly owned: boolean;
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly cache: LruCache<Decoded>;
  /** Last good answers of the small global reads: popular lists by category, categories, time. */
  private readonly lastPopular = new Map<string, readonly ScoredItem[]>();
  private lastCategories: string[] = [];
  private lastStreamTime = 0;
  private lastActive: string[] = [];
  private circuitOpenUntil = 0;
  private readonly circuitOpenMs: number;
  /** This reader's copy of the processors' dictionaries, fetched as values need them. */
  private readonly dictionaries = new Dictionaries();
  private readonly codecs = codecsOver(this.dictionaries);
  private readonly now: () => number;

  constructor(private readonly options: RedisFeatureStoreOptions) {
    this.owned = typeof options.redis === 'string';
    const redis = typeof options.redis === 'string' ? new Redis(options.redis, failFastOptions(options.commandTimeoutMs)) : options.redis;
    // Without a listener ioredis reports every failed reconnect as an unhandled 'error' event.
    if (this.owned) redis.on('error', () => {});
    if (!('eddyActiveItems' in redis)) redis.defineCommand('eddyActiveItems', { numberOfKeys: 2, lua: ACTIVE_ITEMS, readOnly: true });
    this.redis = redis as Redis & ActiveItemsCommand;
    this.keys = redisKeys(options.prefix ?? 'eddy:');
    this.now = options.now ?? Date.now;
    this.cache = new LruCache<Decoded>(options.cacheEntries ?? 10_000, options.cacheTtlMs ?? 600_000, this.now);
    this.circuitOpenMs = options.circuitOpenMs ?? 1000;
  }

  /** Whether Redis answers now: connected, and no read failed within the last `circuitOpenMs`. */
  get up(): boolean {
    return this.redis.status === 'ready' && this.now() >= this.circuitOpenUntil;
  }

  /** Resolves when the client is connected (reads before that are answered by the fallback). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`redis not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async user(userId: string): Promise<UserState | undefined> {
    return (await this.readBatch({ users: [userId] })).users[0];
  }

  async items(ids: readonly string[]): Promise<(ItemState | undefined)[]> {
    return (await this.readBatch({ items: ids })).items;
  }

  async covis(ids: readonly string[]): Promise<(CovisRow | undefined)[]> {
    return (await this.readBatch({ covis: ids })).covis;
  }

  async catalog(ids: readonly string[]): Promise<(CatalogEntry | undefined)[]> {
    return (await this.readBatch({ catalog: ids })).catalog;
  }

  /** Reads values of several stores in one pipelined round trip. Never throws for Redis failures. */
  async readBatch(request: BatchRequest): Promise<BatchResult> {
    const parts: [StoreName, readonly string[]][] = [
      [STORES.users, request.users ?? []],
      [STORES.items, request.items ?? []],
      [STORES.covis, request.covis ?? []],
      [STORES.catalog, request.catalog ?? []],
    ];
    const total = parts.reduce((n, [, ids]) => n + ids.length, 0);
    // Filled, not sparse: callers may compare or spread the arrays.
    const out = parts.map(([, ids]) => new Array<Decoded | undefined>(ids.length).fill(undefined));
    const replies = total === 0 ? [] : await this.guarded(() => {
      const pipeline = this.redis.pipeline();
      for (const [store, ids] of parts) for (const id of ids) pipeline.hmgetBuffer(this.keys.value(store, id), 'v', 'o');
      return execReads(pipeline);
    });
    let r = 0;
    let fromCache = false;
    parts.forEach(([store, ids], p) => {
      for (let i = 0; i < ids.length; i++, r++) {
        const cacheKey = `${store}\0${ids[i]}`;
        if (replies === undefined) {
          out[p][i] = this.cache.get(cacheKey);
          continue;
        }
        const [bytes, offset] = replies[r];
        if (bytes === null) {
          if (offset !== null) {
            // Gone (a tombstone): an outage must not bring the old value back.
            this.cache.delete(cacheKey);
            continue;
          }
          // No key at all: never published, or lost in a restart (then the cache may still hold it).
          // Not refreshed in the cache: a value Redis lost is served for at most cacheTtlMs.
          const known = this.cache.get(cacheKey);
          if (known !== undefined) fromCache = true;
          out[p][i] = known;
          continue;
        }
        const value = decodeOrUndefined(this.codecs[store], bytes);
        if (value === undefined) {
          // Bytes this version cannot read (a newer writer's format): the last value this one could.
          fromCache = true;
          out[p][i] = this.cache.get(cacheKey);
          continue;
        }
        this.cache.set(cacheKey, value);
        out[p][i] = value;
      }
    });
    if (fromCache) this.fallback();
    await this.fetchDictionaries([...(out[0] as (UserState | undefined)[]).map((u) => u?.seen), ...(out[2] as (CovisRow | undefined)[])]);
    return {
      users: out[0] as (UserState | undefined)[],
      items: out[1] as (ItemState | undefined)[],
      covis: out[2] as (CovisRow | undefined)[],
      catalog: out[3] as (CatalogEntry | undefined)[],
    };
  }

  /**
   * Fetches the dictionary chunks the values refer to beyond what this reader holds (one more
   * round trip, only when a value holds an id new to the reader). Without them a value reads as if
   * those ids were absent.
   */
  private async fetchDictionaries(values: readonly ({ dictionary: { partition: number }; maxId(): number } | undefined)[]): Promise<void> {
    const wanted = new Map<number, number>();
    for (const v of values) {
      if (v === undefined) continue;
      const max = v.maxId();
      if (max >= this.dictionaries.of(v.dictionary.partition).size && max > (wanted.get(v.dictionary.partition) ?? -1)) wanted.set(v.dictionary.partition, max);
    }
    if (wanted.size === 0) return;
    const keys: [number, number][] = [];
    for (const [p, max] of wanted) {
      const from = Math.max(0, this.dictionaries.of(p).chunkArrays().length - 1);
      for (let c = from; c <= Math.floor(max / DICTIONARY_CHUNK); c++) keys.push([p, c]);
    }
    const replies = await this.guarded(async () => {
      const pipeline = this.redis.pipeline();
      for (const [p, c] of keys) pipeline.hgetBuffer(this.keys.value(DICTIONARY_STORE, dictionaryKey(p, c)), 'v');
      const results = await pipeline.exec();
      if (results === null) throw new Error('redis pipeline was discarded');
      return results.map(([error, value]) => {
        if (error) throw error;
        return value as Buffer | null;
      });
    });
    if (replies === undefined) return;
    keys.forEach(([p, c], i) => {
      const bytes = replies[i];
      if (bytes === null) return;
      try {
        this.dictionaries.of(p).extend(c, dictionaryChunkCodec.decode(bytes));
      } catch {
        // A chunk this version cannot read: its ids stay unknown to this reader.
      }
    });
  }

  /** Merges the per-partition top lists of the category (or overall): the best n of all of them. */
  async popular(category: string | undefined, n: number): Promise<readonly ScoredItem[]> {
    const key = category ?? OVERALL;
    const fields = await this.guarded(() => this.redis.hgetall(this.keys.popular(key)));
    const last = this.lastPopular.get(key);
    // A published list keeps its fields (empty lists included): no fields is a Redis that lost them.
    const lost = fields !== undefined && last !== undefined && Object.keys(fields).length === 0;
    if (lost) this.fallback();
    if (fields === undefined || lost) return (last ?? []).slice(0, n);
    const best = new Map<string, number>();
    for (const [field, json] of Object.entries(fields)) {
      if (!field.endsWith(':v')) continue;
      const list = parseOrUndefined(json);
      if (list === undefined) {
        this.fallback();
        return (last ?? []).slice(0, n);
      }
      for (const [id, score] of list) {
        // An item lives in one partition; should two lists hold it (a rebalance), the newer score wins.
        const s = score ?? Number.NEGATIVE_INFINITY;
        const previous = best.get(id);
        if (previous === undefined || s > previous) best.set(id, s);
      }
    }
    // Same order as PopularityIndex: score descending, then id.
    const merged = [...best].map(([id, logScore]) => ({ id, logScore })).sort((a, b) => b.logScore - a.logScore || (a.id < b.id ? -1 : 1));
    this.lastPopular.set(key, merged);
    return merged.slice(0, n);
  }

  async categories(): Promise<string[]> {
    const members = await this.guarded(() => this.redis.smembers(this.keys.categories));
    // The set only ever grows: empty after it held categories is a Redis that lost it.
    if (members !== undefined && members.length === 0 && this.lastCategories.length > 0) this.fallback();
    else if (members !== undefined) this.lastCategories = members.sort();
    return [...this.lastCategories];
  }

  /** Stream time only rises: one Redis lost (null) or a replica behind answers the last known. */
  async streamTime(): Promise<number> {
    const score = await this.guarded(() => this.redis.zscore(this.keys.meta, 'streamTime'));
    if (score === null && this.lastStreamTime > 0) this.fallback();
    else if (typeof score === 'string' && Number(score) > this.lastStreamTime) this.lastStreamTime = Number(score);
    return this.lastStreamTime;
  }

  async activeItems(): Promise<string[]> {
    const ids = await this.guarded(() => this.redis.eddyActiveItems(this.keys.meta, this.keys.active, ACTIVE_WINDOW_MS));
    // null: no stream time, so a Redis that lost everything (or was never written): the last list.
    if (ids === null && this.lastActive.length > 0) this.fallback();
    else if (ids) this.lastActive = ids;
    return [...this.lastActive];
  }

  /** Closes the connection if this store opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Runs a Redis read. Returns undefined (and counts a fallback) when Redis failed, timed out, or
   * failed so recently that the circuit is open; a pipeline fails as a whole.
   */
  private async guarded<T>(read: () => Promise<T>): Promise<T | undefined> {
    if (this.now() < this.circuitOpenUntil) return this.fallback();
    try {
      return await read();
    } catch {
      this.circuitOpenUntil = this.now() + this.circuitOpenMs;
      return this.fallback();
    }
  }

  private fallback(): undefined {
    this.options.onFallback?.();
    return undefined;
  }
}

/** Runs a pipeline of HMGET v o; one failed command fails them all (the fallback answers). */
async function execReads(pipeline: ChainableCommander): Promise<[Buffer | null, Buffer | null][]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('redis pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value as [Buffer | null, Buffer | null];
  });
}

function decodeOrUndefined(codec: Codec<Decoded>, bytes: Buffer): Decoded | undefined {
  try {
    return codec.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A popular list as the publisher writes it, or undefined for anything else. */
function parseOrUndefined(json: string): [string, number | null][] | undefined {
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? (list as [string, number | null][]) : undefined;
  } catch {
    return undefined;
  }
}
