/** `eddy start`: one instance of any role, until SIGINT/SIGTERM. */
import { loadConfig, type EddyConfig } from '../config/config.ts';
import { EddyError } from '../errors.ts';
import { startEmbeddedInstance, type Instance } from '../deploy/embedded.ts';
import { startKafkaInstance } from '../deploy/kafka.ts';
import { DEFAULT_PROCESSING, type ProcessingConfig } from '../pipeline/personalization-processor.ts';
import { buildApp } from '../serving/app.ts';
import { parseApiKeys } from '../serving/auth.ts';
import { IntakeGate } from '../serving/intake-gate.ts';
import { describeError } from '../ops/warnings.ts';
import { nextSignal, shutdown } from './shutdown.ts';

export async function start(argv: readonly string[]): Promise<number> {
  const config = loadConfig(argv);
  const apiKeys = parseApiKeys(config.apiKeys);
  // Without API keys the API is open: it may only be reachable from this machine.
  if (apiKeys.size === 0 && !isLoopback(config.host)) {
    throw new EddyError('EDDY_CONFIG_INVALID', {
      message: `refusing to listen on ${config.host} without API keys (the API would be open to anyone who reaches it); set keys with EDDY_API_KEYS="key:read+write" or --api-keys key:read+write, or listen on 127.0.0.1`,
      details: ['/apiKeys: is required when host is not a loopback address'],
    });
  }
  // Not listening before this resolves: both kinds of instance restore their state first, so
  // /readyz never answers 200 on state that is still being restored.
  const instance = await startInstance(config);
  const intake = new IntakeGate();
  // Every role listens: ingest and serve for their routes, process for /metrics and /readyz.
  const app = buildApp({
    instance,
    apiKeys,
    bodyLimit: config.bodyLimit,
    logger: { level: config.logLevel },
    rateLimit: { max: config.rateLimit, windowMs: config.rateLimitWindowMs },
    corsOrigins: config.corsOrigins,
    intake,
    // The embedded deployment keeps it in the data folder, the Kafka one on a topic every instance reads.
    registry: instance.registry,
  });
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // E.g. the port is taken: the instance must not keep the process (and its store) open.
    await instance.stop();
    throw error;
  }
  const where = config.log === 'kafka' ? `brokers: ${config.brokers.join(',')}, redis: ${config.redis}` : `data: ${config.dataDir}`;
  console.error(`eddy: serving on ${address} (log: ${config.log}, ${where}, role: ${config.role})`);
  const signal = await nextSignal(console.error);
  console.error(`eddy: ${signal}: stopping (intake closed, at most ${config.shutdownTimeoutMs} ms)`);
  const code = await shutdown({ app, instance, intake, timeoutMs: config.shutdownTimeoutMs, log: console.error });
  return code;
}

function startInstance(config: EddyConfig): Promise<Instance> {
  if (config.log === 'embedded') {
    if (config.role !== 'all') {
      throw new EddyError('EDDY_CONFIG_INVALID', { message: `--role ${config.role} needs --log kafka (the embedded store serves one process)`, details: ['/role: must be all with log embedded'] });
    }
    return startEmbeddedInstance({
      dataDir: config.dataDir,
      partitions: config.partitions,
      topicPrefix: config.topicPrefix,
      durability: config.durability,
      maxLag: config.maxLag,
      processing: processingOf(config),
    });
  }
  if (config.redis === undefined) {
    throw new EddyError('EDDY_CONFIG_INVALID', { message: '--log kafka needs --redis (the online feature store)', details: ['/redis: is required with log kafka'] });
  }
  return startKafkaInstance({
    brokers: config.brokers,
    redis: config.redis,
    role: config.role,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    minInsyncReplicas: config.minInsyncReplicas,
    topicPrefix: config.topicPrefix,
    redisPrefix: config.redisPrefix,
    memberId: config.memberId,
    kafka: config.kafka,
    warn: (message, error) => console.error(`eddy: ${message}: ${describeError(error)}`),
    maxLag: config.maxLag,
    processing: processingOf(config),
  });
}

/** The processing tunables the config sets; the rest keep their replay-tuned defaults. */
function processingOf(config: EddyConfig): ProcessingConfig {
  const models = DEFAULT_PROCESSING.models;
  return {
    ...DEFAULT_PROCESSING,
    models: { ...models, exploration: { ...models.exploration, share: config.explorationShare } },
    eventTime: { maxFutureSkewMs: config.maxFutureSkewMs, minTimestampMs: config.minEventTimeMs },
    idleTimeoutMs: config.idleTimeoutMs,
    topicFormats: config.topicFormats,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
