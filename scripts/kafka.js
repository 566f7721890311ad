#!/usr/bin/env node
// A real Apache Kafka (KRaft) on loopback for development: jars from Maven Central (cached in
// ~/.cache/eddy/kafka/<version>), detached broker+controller JVMs, state in the run dir.
//
// Usage:
//   node scripts/kafka.js up                 start (or reuse) the cluster; last stdout line: bootstrap=...
//   node scripts/kafka.js down [--keep]      stop the nodes it started; delete the run dir unless --keep
//   node scripts/kafka.js kill-broker N      SIGKILL node N (1-based), as a crash would
//   node scripts/kafka.js start-broker N     restart node N on its storage and wait until it rejoins
//   node scripts/kafka.js status             alive node ids and bootstrap
//   node scripts/kafka.js jars               only download the jars; prints the classpath
//
// Environment: KAFKA_BROKERS (1 or 3, default 1), KAFKA_PORT_BASE (default 19092: node n's broker
// listens on base+n-1, its controller on base+100+n-1), EDDY_KAFKA_DIR (run/data dir, default
// <tmpdir>/eddy-kafka-<base>), EDDY_KAFKA_CACHE (jar cache root, default ~/.cache/eddy/kafka),
// EDDY_KAFKA_VERSION, EDDY_KAFKA_HEAP (per node, default 512m), EDDY_KAFKA_TIMEOUT_MS (default
// 120000), EDDY_KAFKA_LOG_LEVEL (broker log level, default WARN).
import {
  DEFAULT_PORT_BASE,
  aliveNodes,
  defaultDir,
  ensureJars,
  javaClasspath,
  killBroker,
  openCluster,
  startBroker,
  startCluster,
  stopCluster,
} from './kafka/cluster.js';

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

function nodeArg(arg) {
  const id = Number(arg);
  if (!Number.isInteger(id) || id < 1) throw new Error(`expected a node number (1-based), got ${arg ?? 'nothing'}`);
  return id;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const portBase = intEnv('KAFKA_PORT_BASE', DEFAULT_PORT_BASE);
  const dir = defaultDir(portBase);
  const timeoutMs = intEnv('EDDY_KAFKA_TIMEOUT_MS', 120_000);
  switch (cmd) {
    case 'up': {
      const brokers = intEnv('KAFKA_BROKERS', 1);
      const cluster = await startCluster({ brokers, portBase, dir, timeoutMs, log });
      if (cluster.alreadyRunning) log(`already running (${cluster.brokers} node(s), ${dir})`);
      console.log(`bootstrap=${cluster.bootstrapServers}`);
      return;
    }
    case 'down':
      await stopCluster(dir, { keep: rest.includes('--keep'), log });
      return;
    case 'kill-broker': {
      const id = nodeArg(rest[0]);
      await killBroker(dir, id);
      log(`node ${id} killed; alive: ${aliveNodes(dir).join(',') || 'none'}`);
      return;
    }
    case 'start-broker': {
      const id = nodeArg(rest[0]);
      await startBroker(dir, id, { timeoutMs, log });
      log(`node ${id} back; alive: ${aliveNodes(dir).join(',')}`);
      const cluster = openCluster(dir);
      if (cluster) console.log(`bootstrap=${cluster.bootstrapServers}`);
      return;
    }
    case 'status': {
      const cluster = openCluster(dir);
      if (!cluster) {
        console.log(`no cluster recorded in ${dir}`);
        process.exitCode = 1;
        return;
      }
      console.log(`alive=${aliveNodes(dir).join(',')} of ${cluster.brokers}`);
      console.log(`bootstrap=${cluster.bootstrapServers}`);
      return;
    }
    case 'jars':
      await ensureJars({ log });
      console.log(javaClasspath());
      return;
    default:
      process.stderr.write('usage: node scripts/kafka.js up | down [--keep] | kill-broker N | start-broker N | status | jars\n');
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  log(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
