// A real Kafka for a test file: starts a KRaft cluster with scripts/kafka/cluster.js (or reuses
// the one named by EDDY_TEST_KAFKA_BOOTSTRAP) and stops it again in after().
//
//   let kafka: TestKafka | null;
//   before(async () => { kafka = await withKafka(); });
//   after(() => kafka?.stop());
//   it('...', async (t) => { if (!kafka) return t.skip('no Java/Maven'); ... });
//
// Each broker count has its own port base and run dir, so a 1-node and a 3-node test file never
// share (or fight over) a cluster: 1 node on 19092 (controller 19192), 3 nodes on 19292-19294
// (controllers 19392-19394).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, toolsAvailable, type KafkaCluster } from '../../scripts/kafka/cluster.js';

export interface TestKafka {
  /** Comma-separated bootstrap servers, as Kafka clients take them. */
  bootstrap: string;
  /** The cluster handle (kill/start brokers); null when reusing EDDY_TEST_KAFKA_BOOTSTRAP. */
  cluster: KafkaCluster | null;
  /** Stops the cluster if this call started it; a cluster that was already running is left up. */
  stop(): Promise<void>;
}

export const TEST_PORT_BASES = { 1: 19092, 3: 19292 } as const;

/**
 * Starts (or reuses) a Kafka cluster with `brokers` nodes for one test file.
 * Resolves to null when Java or Maven is missing outside CI, so the test can skip with a message;
 * with CI=true that throws instead, because a Kafka test must never skip in CI.
 */
export async function withKafka(opts: { brokers?: 1 | 3; timeoutMs?: number } = {}): Promise<TestKafka | null> {
  const brokers = opts.brokers ?? 1;
  const external = process.env.EDDY_TEST_KAFKA_BOOTSTRAP;
  // An external cluster serves only tests that need no more brokers than it has.
  if (external && external.split(',').filter(Boolean).length >= brokers) {
    return { bootstrap: external, cluster: null, stop: async () => {} };
  }
  const tools = toolsAvailable();
  if (!tools.ok) {
    const msg = `Kafka unavailable: ${tools.reason}`;
    if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: Kafka tests must not skip)`);
    process.stderr.write(`[kafka] ${msg}; skipping Kafka tests\n`);
    return null;
  }
  const portBase = TEST_PORT_BASES[brokers];
  const cluster = await startCluster({
    brokers,
    portBase,
    // Not defaultDir(): EDDY_KAFKA_DIR, meant for the CLI, would make both sizes share one dir.
    dir: join(tmpdir(), `eddy-kafka-${portBase}`),
    timeoutMs: opts.timeoutMs ?? 120_000,
    log: (m) => process.stderr.write(`[kafka] ${m}\n`),
  });
  const owned = !cluster.alreadyRunning;
  return {
    bootstrap: cluster.bootstrapServers,
    cluster,
    stop: async () => {
      if (owned) await cluster.stop({ graceMs: 10_000 });
    },
  };
}
