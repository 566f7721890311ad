/** `eddy start`: one instance of any role, until SIGINT/SIGTERM. */
import { loadConfig } from '../config/config.ts';
import { startEmbeddedInstance } from '../pipeline/instance.ts';
import { buildApp } from '../serving/app.ts';
import { parseApiKeys } from '../serving/auth.ts';

export async function start(argv: readonly string[]): Promise<number> {
  const config = loadConfig(argv);
  const apiKeys = parseApiKeys(config.apiKeys);
  if (config.log === 'kafka') {
    throw new Error('--log kafka: the Kafka deployment is not available in this build yet');
  }
  // Without API keys the API is open, so it is only reachable from this machine.
  const host = apiKeys.size === 0 && !isLoopback(config.host) ? '127.0.0.1' : config.host;
  if (host !== config.host) console.error(`eddy: no API keys set (EDDY_API_KEYS); binding to ${host} instead of ${config.host}`);
  const instance = await startEmbeddedInstance({
    dataDir: config.dataDir,
    partitions: config.partitions,
    topicPrefix: config.topicPrefix,
    durability: config.durability,
    maxLag: config.maxLag,
  });
  const app = buildApp({ instance, apiKeys, bodyLimit: config.bodyLimit });
  const address = await app.listen({ port: config.port, host });
  console.error(`eddy: serving on ${address} (log: ${config.log}, data: ${config.dataDir}, role: ${config.role})`);
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

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}
