/**
 * What the HTTP layer needs of a running instance, in either deployment: the narrow view serving
 * is built on, so that serving depends on no deployment's wiring (deploy/ provides it).
 */
import type { IngestResult } from '../events/ingest-result.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import type { PartitionLag } from '../log/types.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Recommender } from './recommender.ts';

/** How a batch reached the intake: `limitsChecked` when the HTTP decoders already applied the input limits. */
export interface IntakeSource {
  readonly limitsChecked?: boolean;
}

/** Where accepted writes go: validation, de-duplication and the append to the log. */
export interface EventIntake {
  events(batch: readonly unknown[], source?: IntakeSource): Promise<IngestResult>;
  /** Stores catalogue items; resolves with how many were stored. */
  items(batch: readonly unknown[], source?: IntakeSource): Promise<number>;
}

export interface ServedInstance {
  /** Absent on instances that take no writes (Kafka roles `process`, `serve`). */
  readonly ingest?: EventIntake;
  readonly recommender: Recommender;
  readonly featureStore: FeatureStore;
  readonly metrics: Metrics;
  /** Records appended but not yet processed. */
  lag(): number;
  /** Lag of every consumed partition; never throws (stale figures while the log is away). */
  lagByPartition(): Promise<PartitionLag[]>;
  ready(): boolean;
}
