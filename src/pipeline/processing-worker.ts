/**
 * The personalization topology as a worker thread runs it (see stream/remote-driver.ts): the
 * processor, the counters it reports with every commit, and the served lists serving sends it.
 */
import type { ServedList } from '../models/instance-models.ts';
import type { WorkerTopology } from '../stream/remote-driver.ts';
import { PersonalizationProcessor, type ProcessingConfig, type ProcessingStats } from './personalization-processor.ts';
import type { TopicNames } from './topics.ts';

/** What the worker is built from (structured-cloneable: no clocks, no callbacks). */
export interface ProcessingWorkerOptions {
  readonly topics: TopicNames;
  readonly partitions: number;
  readonly config: ProcessingConfig;
}

/** The module's entry: see `WorkerTopologyData.module`. */
export function createTopology(options: ProcessingWorkerOptions): WorkerTopology {
  const processor = new PersonalizationProcessor({ topics: options.topics, partitions: options.partitions, local: true, config: options.config });
  return {
    processor,
    report: (): ProcessingStats => ({ ...processor.stats }),
    handle(name, payload) {
      if (name === 'impressions') for (const list of payload as ServedList[]) processor.recordImpressions(list);
    },
  };
}

/** Where the worker finds {@link createTopology}. */
export const PROCESSING_WORKER_MODULE = new URL(import.meta.url);
