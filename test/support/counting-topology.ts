// A small topology for worker-thread driver tests: counts records per key; a record whose key is
// "boom" throws (a processor's bug), one keyed "urgent" asks for a commit.
import type { LogRecord } from '../../src/log/types.ts';
import type { WorkerTopology } from '../../src/stream/remote-driver.ts';
import { KeyValueStore } from '../../src/stream/state-store.ts';
import type { ProcessorContext } from '../../src/stream/topology.ts';

export function createTopology(options: { outTopic: string }): WorkerTopology {
  const counts = new KeyValueStore<number>('counts');
  let processed = 0;
  const received: unknown[] = [];
  return {
    processor: {
      stores: [counts] as KeyValueStore<unknown>[],
      process(records: readonly LogRecord[], context: ProcessorContext) {
        for (const r of records) {
          if (r.key === 'boom') throw new Error(`cannot count ${r.key}`);
          counts.put(r.key, r.partition, (counts.get(r.key) ?? 0) + Number(r.value.toString()));
          processed++;
          if (r.key === 'urgent') context.commit();
          context.forward({ topic: options.outTopic, key: r.key, value: Buffer.from(`seen ${r.offset}`), headers: { source: `${r.topic}/${r.partition}` } });
        }
      },
    },
    report: () => ({ processed, received }),
    handle: (name, payload) => void received.push({ name, payload }),
  };
}
