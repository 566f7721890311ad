/**
 * How eddy talks to Redis wherever it does (feature store, dedup index): fail fast instead of
 * queueing commands while Redis is away, so a caller answers from its fallback at once.
 */
import type { RedisOptions } from 'ioredis';

/** ioredis options that fail a command within `commandTimeoutMs` rather than wait for Redis. */
export function failFastOptions(commandTimeoutMs = 100): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  };
}
