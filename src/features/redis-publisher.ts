/**
 * Publishes what the stream processors computed to Redis, where serving instances read it
 * (`RedisFeatureStore`). Every value carries the source offset it reflects and a Lua guard stores it
 * only over an older one, so a replay after a crash writes the same state and never goes back
 * (ARCHITECTURE.md, "Exactly-once, in both modes").
 *
 * Layout under a tenant prefix (default `eddy:`):
 *   <prefix><store>:<key>         hash {v: encoded value, o: offset}; a tombstone keeps only `o`
 *   <prefix>popular:<category|*>  hash {<partition>:v: JSON [[id, logScore], ...], <partition>:o}
 *   <prefix>popular:categories    set of categories with popular lists
 *   <prefix>active                sorted set item -> last activity (event time), the last hour
 *   <prefix>meta                  sorted set; member `streamTime` scores the highest event time
 */
import { Redis, type ChainableCommander } from 'ioredis';
import type { LogRecord, StateWrite } from '../log/types.ts';
import { itemStateCodec } from './item-features.ts';
import type { PopularityIndex, ScoredItem } from './popularity-index.ts';

/** The processor's store names the Redis layout knows (the values' codecs follow from them). */
export const STORES = { users: 'users', items: 'items', covis: 'covis', catalog: 'catalog' } as const;
/** The key of the overall popular list (as in `PopularityIndex`). */
export const OVERALL = '*';
/** How far back `activeItems` looks, and what the active set is trimmed to. */
export const ACTIVE_WINDOW_MS = 3600_000;

/** Redis key names under one prefix; shared by the publisher and the store so they cannot drift. */
export function redisKeys(prefix: string) {
  return {
    value: (store: string, key: string) => `${prefix}${store}:${key}`,
    popular: (category: string) => `${prefix}popular:${category}`,
    categories: `${prefix}popular:categories`,
    active: `${prefix}active`,
    meta: `${prefix}meta`,
  };
}

/**
 * Stores ARGV[4] under field ARGV[1]..'v' and the offset ARGV[2] under ARGV[1]..'o', unless the hash
 * already holds an offset at least as new (then it returns 0 and changes nothing). ARGV[3] = '0'
 * writes a tombstone instead: the value goes, the offset stays, so an older value replayed later
 * cannot resurrect the key; ARGV[5] > 0 expires such a tombstone (replays only reach back to the
 * last commit, so tombstones need not live forever).
 */
const GUARDED_PUT = `
local o = redis.call('HGET', KEYS[1], ARGV[1] .. 'o')
if o and tonumber(o) >= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1] .. 'v', ARGV[4], ARGV[1] .. 'o', ARGV[2])
  if ARGV[1] == '' then redis.call('PERSIST', KEYS[1]) end
else
  redis.call('HDEL', KEYS[1], ARGV[1] .. 'v')
  redis.call('HSET', KEYS[1], ARGV[1] .. 'o', ARGV[2])
  if ARGV[1] == '' and tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
end
return 1
`;

/** `GUARDED_PUT` as a command on a client or pipeline (ioredis sends EVAL once per socket, then EVALSHA). */
interface GuardedPut {
  eddyGuardedPut(key: string, field: string, offset: number, hasValue: '0' | '1', value: Buffer | string, tombstoneTtlMs: number): unknown;
}

/** Registers the guard script on a client (idempotent) and returns the client with it typed. */
export function withGuardedPut(redis: Redis): Redis & GuardedPut {
  if (!('eddyGuardedPut' in redis)) redis.defineCommand('eddyGuardedPut', { numberOfKeys: 1, lua: GUARDED_PUT });
  return redis as Redis & GuardedPut;
}

/**
 * The source offset each write reflects: one per write (same order), a map partition -> offset,
 * or a function of the write (see `storeVersions`).
 */
export type PublishVersions = readonly number[] | ReadonlyMap<number, number> | ((write: StateWrite) => number | undefined);

/** A per-partition popular list: the partition's share of the instance's `PopularityIndex`. */
export interface PopularList {
  readonly partition: number;
  /** A category, or `OVERALL` ('*'). */
  readonly category: string;
  readonly items: readonly ScoredItem[];
  /** Source offset; lists with a version are guarded like values, lists without one overwrite. */
  readonly version?: number;
}

export interface PublishResult {
  /** Values and tombstones stored. */
  readonly written: number;
  /** Writes the guard refused because Redis already held a value at least as new. */
  readonly skipped: number;
}

export interface RedisFeaturePublisherOptions {
  /** A client to use (left open by `close`), or a URL to connect to. */
  readonly redis: Redis | string;
  /** Tenant prefix of every key. */
  readonly prefix?: string;
  /** Expiry of tombstones, ms (0 keeps them forever). */
  readonly tombstoneTtlMs?: number;
}

/**
 * Versions for a commit in the distributed deployment: each store's values reflect one source topic
 * (users: user_interactions; items and covis: content_clicks; catalog: content_catalog), and a
 * write's version is the last offset of that topic in the write's partition in the batch. Offsets
 * of different topics are not comparable, which is why a plain partition map is not enough there.
 */
export function storeVersions(records: readonly LogRecord[], sourceTopic: Readonly<Record<string, string>>): (write: StateWrite) => number | undefined {
  const last = new Map<string, number>();
  for (const r of records) last.set(`${r.topic}\0${r.partition}`, r.offset);
  return (w) => {
    const topic = sourceTopic[w.store];
    return topic === undefined ? undefined : last.get(`${topic}\0${w.partition}`);
  };
}

/**
 * An instance's popularity index cut into per-partition lists, for the partitions it owns: the index
 * is per instance, but partitions move between instances, so Redis keeps one list per partition and
 * the reader merges them. Every owned partition gets a list, empty ones too, so that items a
 * partition no longer ranks disappear.
 */
export function splitPopular(index: PopularityIndex, owned: readonly number[], partitionOf: (id: string) => number, version?: number): PopularList[] {
  const lists: PopularList[] = [];
  for (const category of [OVERALL, ...index.categories()]) {
    const byPartition = new Map<number, ScoredItem[]>(owned.map((p) => [p, []]));
    for (const item of index.top(category === OVERALL ? undefined : category)) byPartition.get(partitionOf(item.id))?.push(item);
    for (const [partition, items] of byPartition) lists.push({ partition, category, items, ...(version !== undefined && { version }) });
  }
  return lists;
}

/** Writes encoded state to Redis, idempotently; one pipelined round trip per call. */
export class RedisFeaturePublisher {
  private readonly redis: Redis & GuardedPut;
  private readonly owned: boolean;
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly tombstoneTtlMs: number;

  constructor(options: RedisFeaturePublisherOptions) {
    this.owned = typeof options.redis === 'string';
    // Writes may wait for a reconnect (the offline queue): the caller retries a failed publish anyway.
    const redis = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 3 }) : options.redis;
    // Failures reach the caller as a rejected publish; the client's 'error' events would only repeat them.
    if (this.owned) redis.on('error', () => {});
    this.redis = withGuardedPut(redis);
    this.keys = redisKeys(options.prefix ?? 'eddy:');
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? 24 * 3600_000;
  }

  /**
   * Stores values and tombstones, each only over an older version. Item writes also refresh the
   * active-item set (score = last activity, only ever raised) and trim it to the last hour.
   * Throws when Redis fails; publishing the same writes again is safe.
   */
  async publish(writes: readonly StateWrite[], versions: PublishVersions): Promise<PublishResult> {
    if (writes.length === 0) return { written: 0, skipped: 0 };
    const pipeline = this.redis.pipeline() as ChainableCommander & GuardedPut;
    let newestActivity = Number.NEGATIVE_INFINITY;
    // Position of each guard reply in the pipeline's replies (zadd/zrem replies sit in between).
    const guardAt: number[] = [];
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      const version = versionOf(versions, w, i);
      const key = this.keys.value(w.store, w.key);
      guardAt.push(pipeline.length);
      if (w.value === null) pipeline.eddyGuardedPut(key, '', version, '0', '', this.tombstoneTtlMs);
      else pipeline.eddyGuardedPut(key, '', version, '1', w.value, this.tombstoneTtlMs);
      if (w.store !== STORES.items) continue;
      if (w.value === null) {
        // Unguarded: a stale tombstone replayed at worst hides the item until its next write.
        pipeline.zrem(this.keys.active, w.key);
        continue;
      }
      // Decoded with the codec rather than picked out of the bytes, so a format change cannot break it.
      const last = itemStateCodec.decode(w.value).last;
      // GT: a replayed older state cannot lower an item's last activity.
      pipeline.zadd(this.keys.active, 'GT', last, w.key);
      if (last > newestActivity) newestActivity = last;
    }
    // Trimming by this batch's newest activity never drops what the reader (which looks back from
    // stream time, at least as new) would still show.
    if (Number.isFinite(newestActivity)) pipeline.zremrangebyscore(this.keys.active, '-inf', newestActivity - ACTIVE_WINDOW_MS);
    const results = await exec(pipeline);
    let written = 0;
    for (const at of guardAt) if (results[at] === 1) written++;
    return { written, skipped: writes.length - written };
  }

  /** Stores one partition's popular list for a category (or '*' overall). */
  async publishPopular(partition: number, category: string, items: readonly ScoredItem[], version?: number): Promise<void> {
    await this.publishPopularLists([{ partition, category, items, ...(version !== undefined && { version }) }]);
  }

  /** Stores several popular lists in one round trip. */
  async publishPopularLists(lists: readonly PopularList[]): Promise<void> {
    if (lists.length === 0) return;
    const pipeline = this.redis.pipeline() as ChainableCommander & GuardedPut;
    for (const list of lists) {
      const key = this.keys.popular(list.category);
      // -Infinity (an item never counted) does not survive JSON: it is written as null.
      const value = JSON.stringify(list.items.map((s) => [s.id, Number.isFinite(s.logScore) ? s.logScore : null]));
      if (list.version !== undefined) pipeline.eddyGuardedPut(key, `${list.partition}:`, list.version, '1', value, 0);
      else pipeline.hset(key, `${list.partition}:v`, value).hdel(key, `${list.partition}:o`);
      if (list.category !== OVERALL) pipeline.sadd(this.keys.categories, list.category);
    }
    await exec(pipeline);
  }

  /** Raises the published stream time to `ms` (never lowers it). */
  async publishStreamTime(ms: number): Promise<void> {
    await this.redis.zadd(this.keys.meta, 'GT', ms, 'streamTime');
  }

  /**
   * The server's run id (INFO server): a new one means Redis restarted and, without persistence,
   * lost everything it held (FeatureSync then republishes).
   */
  async runId(): Promise<string> {
    const info = await this.redis.info('server');
    return /^run_id:(\w+)/m.exec(info)?.[1] ?? '';
  }

  /** Closes the connection if this publisher opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function versionOf(versions: PublishVersions, write: StateWrite, index: number): number {
  const v = typeof versions === 'function' ? versions(write) : Array.isArray(versions) ? versions[index] : (versions as ReadonlyMap<number, number>).get(write.partition);
  if (v === undefined || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`no valid version for ${write.store}/${write.key} (partition ${write.partition}): ${v}`);
  return v;
}

/** Runs a pipeline; the first failed command fails the whole publish (it is safe to repeat). */
async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('redis pipeline was discarded');
  const out: unknown[] = [];
  for (const [error, value] of results) {
    if (error) throw error;
    out.push(value);
  }
  return out;
}
