/** `eddy start`: one instance of any role, until SIGINT/SIGTERM. */
import { loadConfig, type EddyConfig } from '../config/config.ts';
import { EddyError } from '../errors.ts';
import { startEmbeddedInstance, type Instance } from '../pipeline/instance.ts';
import { startKafkaInstance } from '../pipeline/kafka-instance.ts';
import { DEFAULT_PROCESSING, type ProcessingConfig } from '../pipeline/personalization-processor.ts';
import { buildApp } from '../serving/app.ts';
import { parseApiKeys } from '../serving/auth.ts';

export async function start(argv: readonly string[]): Promise<number> {
  const config = loadConfig(argv);
  const apiKeys = parseApiKeys(config.apiKeys);
  // Without API keys the API is open, so it is only reachable from this machine.
  const host = apiKeys.size === 0 && !isLoopback(config.host) ? '127.0.0.1' : config.host;
  if (host !== config.host) console.error(`eddy: no API keys set (EDDY_API_KEYS); binding to ${host} instead of ${config.host}`);
  const instance = await startInstance(config);
  // Every role listens: ingest and serve for their routes, process for /metrics and /readyz.
  const app = buildApp({ instance, apiKeys, bodyLimit: config.bodyLimit });
  const address = await app.listen({ port: config.port, host });
  const where = config.log === 'kafka' ? `brokers: ${config.brokers.join(',')}, redis: ${config.redis}` : `data: ${config.dataDir}`;
  console.error(`eddy: serving on ${address} (log: ${config.log}, ${where}, role: ${config.role})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.error('eddy: stopping');
  await app.close();
  await instance.stop();
  return 0;
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
  };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}
