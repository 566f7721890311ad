/**
 * A running eddy instance, whichever deployment wired it (embedded.ts, kafka.ts): what the CLI,
 * the HTTP layer (through its narrower ServedInstance) and the tests hold.
 */
import type { SchemaRegistry } from '../events/registry/index.ts';
import type { Log } from '../log/types.ts';
import type { Ingest } from '../pipeline/ingest.ts';
import type { PersonalizationProcessor } from '../pipeline/personalization-processor.ts';
import type { TopicNames } from '../pipeline/topics.ts';
import type { ServedInstance } from '../serving/served-instance.ts';

/**
 * A running instance of any deployment and role. Every instance reads features and recommends (from
 * the in-process state, or from Redis in the Kafka deployment); what differs by role is documented
 * on the optional fields.
 */
export interface Instance extends ServedInstance {
  readonly log: Log;
  readonly topics: TopicNames;
  /** Validation and appends; absent on instances that take no writes (Kafka roles `process`, `serve`). */
  readonly ingest?: Ingest;
  /** The stream processor; absent on instances that do not process (Kafka roles `ingest`, `serve`). */
  readonly processor?: PersonalizationProcessor;
  /** The schema registry (Confluent's REST API is served from it); absent when the deployment was started without one. */
  readonly registry?: SchemaRegistry;
  /** Resolves when everything appended so far is processed (tests, replay, benchmarks). */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

