/**
 * Where the embedded instance's processor runs. `worker` (the default): in a worker thread, so the
 * thread that answers HTTP never waits behind a batch; this thread keeps a replica of the
 * processor's state that follows every commit, and serving reads the replica. `main`: in this
 * thread, read in place (tests of the processor itself, tools that drive it directly).
 */
import type { TopicPartition } from '../log/types.ts';
import type { ServedList } from '../models/instance-models.ts';
import type { ModelAccess } from '../serving/recommender.ts';
import type { DrainedChanges, TaskDriver } from '../stream/driver.ts';
import { RemoteTopologyDriver } from '../stream/remote-driver.ts';
import type { CommitInfo } from '../stream/task.ts';
import { PersonalizationProcessor, type ProcessingStats } from '../pipeline/personalization-processor.ts';
import { PROCESSING_WORKER_MODULE, type ProcessingWorkerOptions } from '../pipeline/processing-worker.ts';

export type ProcessingThread = 'worker' | 'main';

/** Served lists wait this long to travel to the worker together. */
const IMPRESSIONS_BATCH_MS = 10;

/** The processor as serving and the stream task see it, wherever it runs. */
export interface ProcessingPlacement {
  /** Serving's view: the processor itself (`main`) or its replica (`worker`). */
  readonly processor: PersonalizationProcessor;
  /** For the stream task: give it `driver` when set, else `processor`. */
  readonly driver?: TaskDriver;
  /** What serving may do with the models (served lists reach the processor that learns). */
  readonly access: ModelAccess;
  /** Call after every commit (the replica follows the committed writes). */
  committed(info: CommitInfo): void;
  /** Makes everything committed so far readable at once (models included): `drained` calls it. */
  sync(): void;
  /** After the task stopped. */
  close(): Promise<void>;
}

/** Starts the processor on the chosen thread. */
export async function placeProcessing(thread: ProcessingThread, options: ProcessingWorkerOptions): Promise<ProcessingPlacement> {
  const processor = new PersonalizationProcessor({ topics: options.topics, partitions: options.partitions, local: true, config: options.config });
  if (thread === 'main') {
    return { processor, access: processor, committed: () => undefined, sync: () => undefined, close: async () => undefined };
  }
  const remote = await RemoteTopologyDriver.start({
    module: PROCESSING_WORKER_MODULE,
    options,
    storeNames: processor.stores.map((s) => s.name),
    onReport: (stats) => Object.assign(processor.stats, stats as ProcessingStats),
  });
  // Served lists go to the worker in batches: one message per request would cost more than the list.
  let impressions: ServedList[] = [];
  const sendImpressions = (): void => {
    const lists = impressions;
    impressions = [];
    remote.call('impressions', lists);
  };
  return {
    processor,
    // Lists served before a batch reach the worker before it: a click in the batch may answer one.
    driver: new ReplicatingDriver(remote, processor, () => impressions.length > 0 && sendImpressions()),
    access: {
      models: processor.models,
      recordImpressions(list) {
        // Counted here at once (what this thread reads), learnt from in the worker.
        processor.models.recordImpressions(list);
        if (impressions.push(list) === 1) setTimeout(sendImpressions, IMPRESSIONS_BATCH_MS).unref();
      },
    },
    committed: (info) => processor.applyCommitted(info.writes),
    sync: () => processor.applyCommittedModels(),
    close: async () => {
      if (impressions.length > 0) sendImpressions();
      await remote.close();
      processor.applyCommittedModels();
    },
  };
}

/** The worker's driver, with the replica restored and revoked alongside the worker's processor. */
class ReplicatingDriver implements TaskDriver {
  constructor(
    private readonly remote: RemoteTopologyDriver,
    private readonly replica: PersonalizationProcessor,
    private readonly beforeProcess: () => void,
  ) {}

  readonly pipelined = true;

  get storeNames(): readonly string[] {
    return this.remote.storeNames;
  }

  get commitRequested(): boolean {
    return this.remote.commitRequested;
  }

  restoreEntry(store: string, key: string, partition: number, value: Buffer): void {
    this.replica.restoreCommitted(store, key, partition, value);
    this.remote.restoreEntry(store, key, partition, value);
  }

  assigned(partitions: readonly TopicPartition[]): void {
    this.replica.onAssigned(partitions);
    this.remote.assigned(partitions);
  }

  revoked(partitions: readonly TopicPartition[]): void {
    const ps = new Set(partitions.map((tp) => tp.partition));
    for (const store of this.replica.stores) store.dropPartitions(ps);
    this.remote.revoked(partitions);
  }

  process(records: Parameters<TaskDriver['process']>[0]): Promise<void> {
    this.beforeProcess();
    return this.remote.process(records);
  }

  tick(): Promise<void> {
    return this.remote.tick();
  }

  drain(): Promise<DrainedChanges> {
    return this.remote.drain();
  }

  discard(): void {
    this.remote.discard();
  }
}
