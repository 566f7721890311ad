// One Kafka node's files, ports, config and process: the pieces cluster.js puts together.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const DEFAULT_PORT_BASE = 19092;
/** Controller ports sit this far above the broker ports. */
export const CONTROLLER_PORT_OFFSET = 100;
/** Per-cluster state (shape, cluster id, pid of every node) in the run dir; the "pid file". */
export const STATE_FILE = 'cluster.json';

/** Broker and controller ports of node `id` (1-based). */
export function nodePorts(portBase, id) {
  return { broker: portBase + id - 1, controller: portBase + CONTROLLER_PORT_OFFSET + id - 1 };
}

/** Everything listens on loopback only. */
export const HOST = '127.0.0.1';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nodeDir = (dir, id) => join(dir, `node-${id}`);
export const propsPath = (dir, id) => join(nodeDir(dir, id), 'server.properties');

export function readState(dir) {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function writeState(dir, state) {
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

/**
 * Whether node `id`'s recorded process is alive and really is that node: on Linux the pid's
 * command line must name this node's server.properties, so a recycled pid is never mistaken for
 * (or killed as) a broker. A zombie has an empty command line and so counts as dead.
 */
export function nodeAlive(dir, state, id) {
  const pid = state?.nodes?.[String(id)]?.pid;
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs (macOS): trust the pid
  try {
    return readFileSync(cmdline, 'utf8').includes(propsPath(dir, id));
  } catch {
    return false;
  }
}

export const nodeIds = (n) => Array.from({ length: n }, (_, i) => i + 1);

export function tail(path, lines = 30) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function serverProperties(dir, state, id) {
  const { brokers, portBase } = state;
  const { broker, controller } = nodePorts(portBase, id);
  const rf = brokers >= 3 ? 3 : 1;
  const isr = brokers >= 3 ? 2 : 1;
  const voters = nodeIds(brokers)
    .map((n) => `${n}@${HOST}:${nodePorts(portBase, n).controller}`)
    .join(',');
  return `# Written by eddy's scripts/kafka/cluster.js; regenerated on every start.
process.roles=broker,controller
node.id=${id}
# A static voter set: the same line on every node, no per-node directory ids to pass to the
# formatter (as a dynamic quorum's --initial-controllers needs), and a node restarted on its old
# storage rejoins as it was.
controller.quorum.voters=${voters}
listeners=PLAINTEXT://${HOST}:${broker},CONTROLLER://${HOST}:${controller}
advertised.listeners=PLAINTEXT://${HOST}:${broker}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(nodeDir(dir, id), 'data')}
num.partitions=1
default.replication.factor=${rf}
min.insync.replicas=${isr}
offsets.topic.replication.factor=${rf}
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${isr}
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${isr}
# Fewer internal partitions than the default 50: the first consumer group or transaction then
# starts in a moment on a 2-core machine instead of creating 50 (x3) partitions.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10
# Consumers join groups at once; the default 3 s delay only slows tests.
group.initial.rebalance.delay.ms=0
# Fewer threads than the defaults (3 network, 8 io): up to 3 nodes share 2 cores.
num.network.threads=2
num.io.threads=4
`;
}

export function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const sock = connect({ port, host: HOST });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64; made here to save a JVM start. */
export function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // as Kafka's Uuid.randomUuid: never looks like an option
  }
}

/**
 * Whether a process has really finished. Not the same as "no longer looks like our node": while
 * a JVM exits, its main thread's command line reads empty for a moment although other threads are
 * still tearing down (and holding ports and files). A zombie nobody reaped yet counts as gone.
 */
export function pidGone(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+[ZX]/m.test(status) && /^Threads:\s+1$/m.test(status);
  } catch {
    return existsSync('/proc/self/status'); // unreadable on Linux: gone; no procfs: trust kill(0)
  }
}

export async function waitGone(pids, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pids.every(pidGone)) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}
