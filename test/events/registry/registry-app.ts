// The HTTP app with a schema registry and a stub instance (the registry routes need nothing else).
import type { FastifyInstance } from 'fastify';
import { SchemaRegistry, type SchemaRegistryOptions } from '../../../src/events/registry/index.ts';
import { Metrics } from '../../../src/ops/metrics.ts';
import { buildApp } from '../../../src/serving/app.ts';
import { parseApiKeys } from '../../../src/serving/auth.ts';
import type { ServedInstance } from '../../../src/serving/served-instance.ts';

export const stubInstance = (): ServedInstance => ({
  metrics: new Metrics(),
  recommender: {} as ServedInstance['recommender'],
  featureStore: {} as ServedInstance['featureStore'],
  lag: () => 0,
  lagByPartition: async () => [],
  ready: () => true,
});

export interface RegistryApp {
  readonly app: FastifyInstance;
  readonly registry: SchemaRegistry;
  close(): Promise<void>;
}

/** The app with a registry; `apiKeys` in the EDDY_API_KEYS syntax (none: open). */
export async function registryApp(options: SchemaRegistryOptions & { apiKeys?: string } = {}): Promise<RegistryApp> {
  const registry = await SchemaRegistry.open(options);
  const app = buildApp({ instance: stubInstance(), registry, apiKeys: parseApiKeys(options.apiKeys) });
  await app.ready();
  return {
    app,
    registry,
    close: async () => {
      await app.close();
      await registry.close();
    },
  };
}

/** A record schema with the given fields (name R, namespace test). */
export const record = (fields: object[], name = 'R') => ({ type: 'record', name, namespace: 'test', fields });
