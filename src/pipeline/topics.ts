/**
 * eddy's topics and how they are keyed (ARCHITECTURE.md, "Keys and topics"). Every name can carry a
 * prefix, so that several deployments (tenants) can share one cluster.
 */
import type { TopicSpec } from '../log/types.ts';

export interface TopicNames {
  /** Every interaction, keyed by user_id. */
  readonly interactions: string;
  /** Item-side updates (and item events from other producers), keyed by content_id. */
  readonly contentClicks: string;
  /** Closed sessions, keyed by session_id. */
  readonly sessions: string;
  /** The catalogue, compacted, keyed by content_id. */
  readonly catalog: string;
  /** Records that could not be processed, with the reason in the `eddy-error` header. */
  readonly deadLetter: string;
  /** Events too late for their windows (side output). */
  readonly late: string;
  /** Served recommendation lists (impressions), keyed by user_id: they train the ranker. */
  readonly impressions: string;
  /**
   * The schema registry's records (Kafka deployment), compacted, one partition, like Confluent's
   * `_schemas`; created by its store (src/log/kafka/kafka-schema-store.ts), not in topicSpecs.
   */
  readonly schemas: string;
}

export function topicNames(prefix = ''): TopicNames {
  return {
    interactions: `${prefix}user_interactions`,
    contentClicks: `${prefix}content_clicks`,
    sessions: `${prefix}session_events`,
    catalog: `${prefix}content_catalog`,
    deadLetter: `${prefix}eddy_dead_letter`,
    late: `${prefix}eddy_late_events`,
    impressions: `${prefix}eddy_impressions`,
    schemas: `${prefix}_eddy_schemas`,
  };
}

/** The topic layout; the keyed topics share one partition count so that they are co-partitioned. */
export function topicSpecs(names: TopicNames, partitions: number, replicationFactor?: number): TopicSpec[] {
  const spec = (name: string, compacted = false): TopicSpec => ({ name, partitions, compacted, replicationFactor });
  return [
    spec(names.interactions),
    spec(names.contentClicks),
    spec(names.sessions),
    spec(names.catalog, true),
    spec(names.deadLetter),
    spec(names.late),
    spec(names.impressions),
  ];
}

/** The stream task's consumer group (the embedded instance, and `eddy retrain` moving its offsets). */
export const PROCESSOR_GROUP = 'eddy-processor';
