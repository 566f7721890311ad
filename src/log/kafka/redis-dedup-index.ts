/**
 * A `DedupIndex` on Redis: the event_ids appended within a horizon, shared by every ingest
 * instance, so that a producer's retry through any of them is reported as a duplicate (Kafka's
 * idempotent producer only de-duplicates its own session's retries). One key per id with a TTL;
 * `seen` is one pipelined EXISTS round trip, `mark` one pipelined SET PX.
 *
 * Two concurrent appends of the same new id can both pass `seen`, and while Redis is down every id
 * passes (ingest keeps taking events rather than failing); the stream processor drops such a second
 * copy by event_id (the user's recent ids), so the index only has to be right in the common case.
 */
import { Redis, type ChainableCommander } from 'ioredis';
import { failFastOptions } from '../../ops/redis-options.ts';
import type { DedupIndex } from './options.ts';

export interface RedisDedupIndexOptions {
  /** A client to use (left open by `close`), or a URL to connect to. */
  readonly redis: Redis | string;
  /** Key prefix (tenant); ids live under `<prefix>dedup:<id>`. Default `eddy:`. */
  readonly prefix?: string;
  /** How long an id is remembered, ms. Default 24 h. */
  readonly horizonMs?: number;
  /** Called when Redis failed and ids were let through unchecked (or not remembered). */
  readonly onUnavailable?: (error: unknown) => void;
}

export class RedisDedupIndex implements DedupIndex {
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly horizonMs: number;

  constructor(private readonly options: RedisDedupIndexOptions) {
    this.owned = typeof options.redis === 'string';
    // Fail fast: an append must not wait for a Redis reconnect.
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis, failFastOptions(200)) : options.redis;
    // Failures reach the caller as a rejected append; the 'error' events would only repeat them.
    if (this.owned) this.redis.on('error', () => {});
    this.prefix = `${options.prefix ?? 'eddy:'}dedup:`;
    this.horizonMs = options.horizonMs ?? 24 * 3600_000;
  }

  async seen(keys: string[]): Promise<boolean[]> {
    try {
      const pipeline = this.redis.pipeline();
      for (const k of keys) pipeline.exists(this.prefix + k);
      return (await exec(pipeline)).map((v) => v === 1);
    } catch (error) {
      this.options.onUnavailable?.(error);
      return keys.map(() => false);
    }
  }

  async mark(keys: string[]): Promise<void> {
    try {
      const pipeline = this.redis.pipeline();
      for (const k of keys) pipeline.set(this.prefix + k, '1', 'PX', this.horizonMs);
      await exec(pipeline);
    } catch (error) {
      this.options.onUnavailable?.(error);
    }
  }

  /** Closes the connection if this index opened it. */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('redis pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
