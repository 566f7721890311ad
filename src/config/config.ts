/**
 * Configuration, validated once at start-up. Sources, strongest first: command-line flags, the
 * environment (`EDDY_*`), the YAML config file, defaults. Errors name the path (`/port`).
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EddyError } from '../errors.ts';
import { DEFAULT_EVENT_TIME } from '../events/event-time.ts';
import { formatErrors } from '../events/validate.ts';
import { FORMATTED_TOPICS, TOPIC_FORMATS, type TopicFormats } from '../events/codec/topic-format.ts';

export interface EddyConfig {
  /** HTTP port. */
  port: number;
  /** Interface to bind; loopback unless API keys are set (safe default). */
  host: string;
  /** Folder of the embedded store. */
  dataDir: string;
  /** Message log: the embedded store or Apache Kafka. */
  log: 'embedded' | 'kafka';
  /** Kafka bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Redis URL of the online feature store (distributed mode). */
  redis?: string;
  /** What this instance does. */
  role: 'all' | 'ingest' | 'process' | 'serve';
  /**
   * API keys with scopes, `key:scope+scope,...` (scopes read, write, admin). Without keys the API
   * is open, so eddy then refuses to listen on anything but loopback.
   */
  apiKeys?: string;
  /** Requests per window and client (the API key when keys are set, else the address); 0 turns limiting off. */
  rateLimit: number;
  /** The rate limit's window, ms. */
  rateLimitWindowMs: number;
  /** Origins that browsers may call the API from (`https://shop.example`, or `*`); none: no CORS headers. */
  corsOrigins: string[];
  /** Level of the JSON request log on stdout (`silent` turns it off). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** After SIGTERM/SIGINT, how long the shutdown may take before eddy gives up and exits with 1, ms. */
  shutdownTimeoutMs: number;
  /** Partitions of each topic. */
  partitions: number;
  /** Replication factor of topics created on start (Kafka; default: the broker's). */
  replicationFactor?: number;
  /** min.insync.replicas of topics created on start (Kafka; default: the broker's). */
  minInsyncReplicas?: number;
  /** Topic-name prefix (tenant). */
  topicPrefix: string;
  /** Prefix of Redis keys (default `eddy:` followed by the topic prefix). */
  redisPrefix?: string;
  /** Stable id of a `process` instance (e.g. the pod name): a restart then fences its predecessor at once. */
  memberId?: string;
  /** Kafka client settings (YAML `kafka:`), as KafkaLogOptions documents them with their defaults. */
  kafka?: KafkaSettings;
  /** `full` fsyncs every commit; `normal` survives a process crash, not a power loss. */
  durability: 'full' | 'normal';
  /** Ingest answers 503 while more records than this wait to be processed. */
  maxLag: number;
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** Share of each served list given to exploring newly catalogued items (0 turns exploration off). */
  explorationShare: number;
  /** Events more than this far ahead of the receiving instance's clock are rejected (`/timestamp`), ms. */
  maxFutureSkewMs: number;
  /** Events before this time (epoch ms; default 2000-01-01) are rejected: a clock at 0, seconds sent as ms. */
  minEventTimeMs: number;
  /** After this long without events, stream time follows the wall clock minus the allowed lateness (0: never), ms. */
  idleTimeoutMs: number;
  /**
   * The record format of each input topic (`auto`, `avro` or `json`; src/events/codec/topic-format.ts):
   * YAML `topicFormats: {user_interactions: avro}`, env `EDDY_TOPIC_FORMATS=user_interactions=avro,content_catalog=json`.
   */
  topicFormats: TopicFormats;
}

/** The Kafka producer and consumer settings a config file may set (see src/log/kafka/options.ts). */
export interface KafkaSettings {
  clientId?: string;
  acks?: 'all' | 'leader' | 'none';
  lingerMs?: number;
  batchBytes?: number;
  bufferMemory?: number;
  maxBlockMs?: number;
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  retries?: number;
  retryBackoffMs?: number;
  requestTimeoutMs?: number;
  idempotence?: boolean;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  maxBufferedRecords?: number;
}

const ms = { type: 'integer', minimum: 0 } as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
    dataDir: { type: 'string', minLength: 1 },
    log: { enum: ['embedded', 'kafka'] },
    brokers: { type: 'array', items: { type: 'string', pattern: '^[^:]+:\\d+$' } },
    redis: { type: 'string', pattern: '^rediss?://' },
    role: { enum: ['all', 'ingest', 'process', 'serve'] },
    apiKeys: { type: 'string' },
    rateLimit: { type: 'integer', minimum: 0 },
    rateLimitWindowMs: { type: 'integer', minimum: 1000 },
    corsOrigins: { type: 'array', items: { type: 'string', pattern: '^(\\*|https?://[^/\\s]+)$' } },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    shutdownTimeoutMs: { type: 'integer', minimum: 100 },
    partitions: { type: 'integer', minimum: 1, maximum: 1024 },
    replicationFactor: { type: 'integer', minimum: 1 },
    minInsyncReplicas: { type: 'integer', minimum: 1 },
    topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]*$' },
    redisPrefix: { type: 'string' },
    memberId: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    kafka: {
      type: 'object',
      additionalProperties: false,
      properties: {
        clientId: { type: 'string', minLength: 1 },
        acks: { enum: ['all', 'leader', 'none'] },
        lingerMs: ms,
        batchBytes: { type: 'integer', minimum: 1 },
        bufferMemory: { type: 'integer', minimum: 1 },
        maxBlockMs: ms,
        compression: { enum: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] },
        retries: { type: 'integer', minimum: 0 },
        retryBackoffMs: ms,
        requestTimeoutMs: { type: 'integer', minimum: 1 },
        idempotence: { type: 'boolean' },
        sessionTimeoutMs: { type: 'integer', minimum: 1 },
        heartbeatIntervalMs: { type: 'integer', minimum: 1 },
        fetchMaxWaitMs: ms,
        fetchMaxBytes: { type: 'integer', minimum: 1 },
        maxBufferedRecords: { type: 'integer', minimum: 1 },
      },
    },
    durability: { enum: ['full', 'normal'] },
    maxLag: { type: 'integer', minimum: 1 },
    bodyLimit: { type: 'integer', minimum: 1024 },
    explorationShare: { type: 'number', minimum: 0, maximum: 0.5 },
    maxFutureSkewMs: { type: 'integer', minimum: 0, maximum: 7 * 86_400_000 },
    minEventTimeMs: { type: 'integer', minimum: 0 },
    idleTimeoutMs: ms,
    topicFormats: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(FORMATTED_TOPICS.map((t) => [t, { enum: [...TOPIC_FORMATS] }])),
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

export const DEFAULTS: EddyConfig = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  log: 'embedded',
  brokers: ['127.0.0.1:9092'],
  role: 'all',
  // 100 requests/s sustained per client: far above a tracker's or a page's needs, so only abuse
  // (or an unconfigured load test: --rate-limit 0) meets it.
  rateLimit: 6000,
  rateLimitWindowMs: 60_000,
  corsOrigins: [],
  logLevel: 'info',
  // Below Kubernetes' default grace period (30 s), so eddy, not a SIGKILL, ends a stuck shutdown.
  shutdownTimeoutMs: 25_000,
  partitions: 12,
  topicPrefix: '',
  durability: 'full',
  maxLag: 200_000,
  bodyLimit: 4 * 1024 * 1024,
  explorationShare: 0.1,
  maxFutureSkewMs: DEFAULT_EVENT_TIME.maxFutureSkewMs,
  minEventTimeMs: DEFAULT_EVENT_TIME.minTimestampMs,
  idleTimeoutMs: 60_000,
  topicFormats: {},
};

const ENV: Record<string, keyof EddyConfig> = {
  EDDY_PORT: 'port',
  EDDY_HOST: 'host',
  EDDY_DATA_DIR: 'dataDir',
  EDDY_LOG: 'log',
  EDDY_KAFKA_BROKERS: 'brokers',
  EDDY_REDIS_URL: 'redis',
  EDDY_ROLE: 'role',
  EDDY_API_KEYS: 'apiKeys',
  EDDY_RATE_LIMIT: 'rateLimit',
  EDDY_RATE_LIMIT_WINDOW_MS: 'rateLimitWindowMs',
  EDDY_CORS_ORIGINS: 'corsOrigins',
  EDDY_LOG_LEVEL: 'logLevel',
  EDDY_SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  EDDY_PARTITIONS: 'partitions',
  EDDY_TOPIC_PREFIX: 'topicPrefix',
  EDDY_REDIS_PREFIX: 'redisPrefix',
  EDDY_REPLICATION_FACTOR: 'replicationFactor',
  EDDY_MIN_INSYNC_REPLICAS: 'minInsyncReplicas',
  EDDY_MEMBER_ID: 'memberId',
  EDDY_DURABILITY: 'durability',
  EDDY_MAX_LAG: 'maxLag',
  EDDY_EXPLORATION_SHARE: 'explorationShare',
  EDDY_MAX_FUTURE_SKEW_MS: 'maxFutureSkewMs',
  EDDY_MIN_EVENT_TIME_MS: 'minEventTimeMs',
  EDDY_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
  EDDY_TOPIC_FORMATS: 'topicFormats',
};

const FLAGS: Record<string, keyof EddyConfig> = {
  '--port': 'port',
  '--host': 'host',
  '--data-dir': 'dataDir',
  '--log': 'log',
  '--brokers': 'brokers',
  '--redis': 'redis',
  '--role': 'role',
  '--api-keys': 'apiKeys',
  '--rate-limit': 'rateLimit',
  '--rate-limit-window-ms': 'rateLimitWindowMs',
  '--cors-origins': 'corsOrigins',
  '--log-level': 'logLevel',
  '--shutdown-timeout-ms': 'shutdownTimeoutMs',
  '--partitions': 'partitions',
  '--replication-factor': 'replicationFactor',
  '--min-insync-replicas': 'minInsyncReplicas',
  '--topic-prefix': 'topicPrefix',
  '--redis-prefix': 'redisPrefix',
  '--member-id': 'memberId',
  '--durability': 'durability',
  '--exploration-share': 'explorationShare',
  '--max-future-skew-ms': 'maxFutureSkewMs',
  '--min-event-time-ms': 'minEventTimeMs',
  '--idle-timeout-ms': 'idleTimeoutMs',
  '--max-lag': 'maxLag',
  '--topic-formats': 'topicFormats',
};

const NUMERIC = new Set<keyof EddyConfig>(['rateLimit', 'rateLimitWindowMs', 'shutdownTimeoutMs', 'port', 'partitions', 'maxLag', 'bodyLimit', 'replicationFactor', 'minInsyncReplicas', 'maxFutureSkewMs', 'minEventTimeMs', 'idleTimeoutMs']);

function coerce(key: keyof EddyConfig, value: string): unknown {
  if (key === 'brokers' || key === 'corsOrigins') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (NUMERIC.has(key) && /^\d+$/.test(value)) return Number(value);
  // `user_interactions=avro,content_catalog=json`; a part without `=` is left for validation to name.
  if (key === 'topicFormats') return Object.fromEntries(value.split(',').map((s) => s.trim()).filter(Boolean).map((part) => [part.split('=')[0].trim(), part.includes('=') ? part.slice(part.indexOf('=') + 1).trim() : '']));
  if (key === 'explorationShare' && /^\d*\.?\d+$/.test(value)) return Number(value);
  return value;
}

/** Loads and validates the configuration; throws EDDY_CONFIG_INVALID naming each bad path. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EddyConfig {
  const fromFlags: Record<string, unknown> = {};
  let file = env.EDDY_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--config') {
      file = argv[++i];
      continue;
    }
    const key = FLAGS[flag];
    if (key === undefined) throw new EddyError('EDDY_CONFIG_INVALID', { message: `unknown option ${flag}`, details: [`${flag}: unknown option`] });
    const value = argv[++i];
    if (value === undefined) throw new EddyError('EDDY_CONFIG_INVALID', { message: `${flag} needs a value`, details: [`${flag}: needs a value`] });
    fromFlags[key] = coerce(key, value);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') fromEnv[key] = coerce(key, env[name]!);
  const fromFile = file ? (parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>) ?? {} : {};
  const merged = { ...DEFAULTS, ...fromFile, ...fromEnv, ...fromFlags };
  if (!validate(merged)) {
    const details = formatErrors(validate.errors);
    throw new EddyError('EDDY_CONFIG_INVALID', { message: `invalid configuration: ${details.join('; ')}`, details });
  }
  return merged as EddyConfig;
}
