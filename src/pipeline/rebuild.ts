/**
 * Batch rebuild of the processor's state from the log (`eddy retrain`): a fresh processor reads
 * every record the embedded store still holds, the catalogue first and then the interactions in
 * event-time order across partitions (online learning saw them in arrival order), and the result
 * replaces the committed state in one transaction, with the processor group's offsets moved to the
 * end of what was read. Features, co-visitation and the instance models all start from zero, so a
 * changed configuration (half-lives, embedding size, ranker options) applies to the whole history.
 * The service must be stopped: the embedded store belongs to one process.
 */
import type { EmbeddedLog } from '../log/embedded/embedded-log.ts';
import type { LogRecord, PartitionOffset, StateWrite } from '../log/types.ts';
import { TopologyDriver } from '../stream/driver.ts';
import { DEFAULT_PROCESSING, PersonalizationProcessor, type ProcessingConfig } from './personalization-processor.ts';
import { PROCESSOR_GROUP, type TopicNames } from './topics.ts';

export interface RebuildOptions {
  readonly log: EmbeddedLog;
  readonly topics: TopicNames;
  readonly config?: ProcessingConfig;
  /** Records read per call. The whole log is held in memory to sort it by event time. */
  readonly chunk?: number;
  readonly progress?: (line: string) => void;
}

export interface RebuildResult {
  readonly records: number;
  readonly interactions: number;
  readonly stateWrites: number;
  readonly removedKeys: number;
  readonly modelVersion: number;
}

/** Rebuilds and commits the state; see the file header. */
export async function rebuildState(options: RebuildOptions): Promise<RebuildResult> {
  const { log, topics } = options;
  const chunk = options.chunk ?? 10_000;
  const partitions = log.partitionsOf(topics.interactions);
  const processor = new PersonalizationProcessor({ topics, partitions, local: true, config: { ...(options.config ?? DEFAULT_PROCESSING), idleTimeoutMs: 0 } });
  const driver = new TopologyDriver(processor);
  const consumed = [topics.catalog, topics.interactions, topics.contentClicks];
  const offsets: PartitionOffset[] = [];
  const read = (topic: string): LogRecord[] => {
    const out: LogRecord[] = [];
    const ends = log.endOffsetsSync(topic);
    for (let p = 0; p < ends.length; p++) {
      for (let from = 0; from < ends[p]; ) {
        const batch = log.readPartition(topic, p, from, chunk);
        if (batch.length === 0) break;
        for (const r of batch) out.push(r);
        from = batch[batch.length - 1].offset + 1;
      }
      offsets.push({ topic, partition: p, offset: ends[p] });
    }
    return out;
  };
  let records = 0;
  const catalogue = read(topics.catalog);
  driver.process(catalogue);
  records += catalogue.length;
  // Interactions and other producers' item events together, in event-time order (stable: ties keep partition order).
  const events = read(topics.interactions).concat(read(topics.contentClicks));
  events.sort((a, b) => a.timestamp - b.timestamp);
  for (let i = 0; i < events.length; i += chunk) {
    driver.process(events.slice(i, i + chunk));
    options.progress?.(`retrain: ${Math.min(events.length, i + chunk)}/${events.length} records`);
  }
  records += events.length;
  // Outputs (dead letters, late events) were written when the records were first processed.
  const drained = driver.drain();

  // The new state replaces the old: every key the old state had and the new one lacks is deleted.
  const state: StateWrite[] = [];
  let removed = 0;
  for (const store of processor.stores) {
    const fresh = drained.state.filter((w) => w.store === store.name);
    const kept = new Set(fresh.map((w) => `${w.partition}\0${w.key}`));
    for (const w of fresh) state.push(w);
    for (let p = 0; p < partitions; p++) {
      log.restoreState(store.name, p, (key) => {
        if (kept.has(`${p}\0${key}`)) return;
        state.push({ store: store.name, partition: p, key, value: null });
        removed++;
      });
    }
  }
  log.commitBatch(PROCESSOR_GROUP, { offsets: offsets.filter((o) => consumed.includes(o.topic)), outputs: [], state });
  return { records, interactions: processor.stats.processed, stateWrites: state.length - removed, removedKeys: removed, modelVersion: processor.models.version };
}
