// Runs the FeatureStore contract against both stores: the in-process store reads the processor
// directly; the Redis store reads what a RedisFeaturePublisher wrote from the processor's changes.
import { Redis } from 'ioredis';
import { InProcessFeatureStore } from '../../src/features/in-process-store.ts';
import { RedisFeaturePublisher, splitPopular } from '../../src/features/redis-publisher.ts';
import { RedisFeatureStore } from '../../src/features/redis-store.ts';
import { partitionFor } from '../../src/log/partitioner.ts';
import type { StateWrite } from '../../src/log/types.ts';
import { dropPrefix, ensureRedis, testPrefix } from '../support/redis.ts';
import { featureStoreContract, PARTITIONS } from './feature-store.contract.ts';

featureStoreContract('in-process', async (processor) => ({ store: new InProcessFeatureStore(processor), close: async () => {} }));

featureStoreContract('redis', async (processor, records) => {
  const url = await ensureRedis();
  const prefix = testPrefix('contract');
  const admin = new Redis(url);
  const publisher = new RedisFeaturePublisher({ redis: url, prefix });
  const writes: StateWrite[] = processor.stores.flatMap((s) => s.drainWrites().writes);
  // One commit's worth: every value reflects the scenario's last offset.
  const version = records.length;
  await publisher.publish(writes, writes.map(() => version));
  const all = Array.from({ length: PARTITIONS }, (_, p) => p);
  await publisher.publishPopularLists(splitPopular(processor.popularity, all, (id) => partitionFor(id, PARTITIONS), version));
  await publisher.publishStreamTime(processor.stats.streamTime);
  const store = new RedisFeatureStore({ redis: url, prefix });
  await store.ready();
  return {
    store,
    close: async () => {
      await store.close();
      await publisher.close();
      await dropPrefix(admin, prefix);
      await admin.quit();
    },
  };
});
