// A real Apache Kafka (KRaft mode) on loopback for development, tests and benchmarks: 1 node, or
// 3 nodes with a 3-voter controller quorum. Every node is a combined broker+controller, a detached
// `java kafka.Kafka` process whose pid is kept in `<dir>/cluster.json`, so a later command (another
// process) can find, check and stop exactly those processes.
//
// Ports, for node id n = 1..N: broker (PLAINTEXT) portBase + n - 1, controller portBase + 100 + n - 1.
// Default portBase 19092: broker 19092, controller 19192 (3 nodes: 19092-19094 and 19192-19194).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION, ensureJars, javaClasspath, runJavaTool, serverLog4jConfig } from './jars.js';
import {
  DEFAULT_PORT_BASE,
  HOST,
  STATE_FILE,
  canConnect,
  nodeAlive,
  nodeDir,
  nodeIds,
  nodePorts,
  pidGone,
  portFree,
  propsPath,
  randomClusterId,
  readState,
  serverProperties,
  sleep,
  tail,
  waitGone,
  writeState,
} from './node.js';

export {
  KAFKA_VERSION,
  cacheDir,
  ensureJars,
  jarsCached,
  javaClasspath,
  javaToolArgs,
  libsDir,
  runJavaTool,
  toolsAvailable,
} from './jars.js';
export { CONTROLLER_PORT_OFFSET, DEFAULT_PORT_BASE, nodePorts } from './node.js';

/** Run/data directory: `$EDDY_KAFKA_DIR`, default `<tmpdir>/eddy-kafka-<portBase>`. */
export function defaultDir(portBase = DEFAULT_PORT_BASE) {
  return process.env.EDDY_KAFKA_DIR || join(tmpdir(), `eddy-kafka-${portBase}`);
}

async function formatNode(dir, state, id) {
  const props = propsPath(dir, id);
  const r = await runJavaTool(
    'kafka.tools.StorageTool',
    ['format', '-t', state.clusterId, '-c', props, '--ignore-formatted'],
    { quickStart: true, timeoutMs: 60_000 },
  );
  if (r.code !== 0) throw new Error(`formatting node ${id} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}

/** Starts node `id` as a detached JVM (formats its storage first if it has none); records its pid. */
async function spawnNode(dir, state, id) {
  const nd = nodeDir(dir, id);
  mkdirSync(join(nd, 'logs'), { recursive: true });
  writeFileSync(propsPath(dir, id), serverProperties(dir, state, id));
  const { broker, controller } = nodePorts(state.portBase, id);
  for (const port of [broker, controller]) {
    if (!(await portFree(port))) {
      throw new Error(`port ${port} on ${HOST} is in use (another Kafka? try: node scripts/kafka.js down)`);
    }
  }
  if (!existsSync(join(nd, 'data', 'meta.properties'))) await formatNode(dir, state, id);
  const out = openSync(join(nd, 'logs', 'stdout.log'), 'a');
  const heap = process.env.EDDY_KAFKA_HEAP || '512m';
  const args = [
    '-Xms128m',
    `-Xmx${heap}`,
    // The JVM flags of Kafka's own kafka-server-start.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${join(nd, 'logs')}`,
    `-Dlog4j2.configurationFile=${serverLog4jConfig()}`,
    `-Deddy.kafka.logLevel=${process.env.EDDY_KAFKA_LOG_LEVEL || 'WARN'}`,
    '-cp',
    javaClasspath(),
    'kafka.Kafka',
    propsPath(dir, id),
  ];
  // detached + unref: the broker outlives the `up` command that started it.
  const child = spawn('java', args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  state.nodes[String(id)] = { pid: child.pid, broker, controller };
  writeState(dir, state);
}

/** Lists the broker ids the cluster's metadata reports as alive, via BrokerApiVersionsCommand. */
async function liveBrokerIds(bootstrap) {
  const r = await runJavaTool('org.apache.kafka.tools.BrokerApiVersionsCommand', ['--bootstrap-server', bootstrap], {
    quickStart: true,
    timeoutMs: 60_000,
  });
  if (r.code !== 0) return [];
  // One line per broker in the metadata: `127.0.0.1:19092 (id: 1 rack: null isFenced: false) -> (`
  // when it answered; `-> ERROR: ...` for a broker that is still listed but not reachable.
  const ids = [...r.stdout.matchAll(/\(id: (\d+)[^)]*\) -> \(/g)].map((m) => Number(m[1]));
  return [...new Set(ids)].sort((a, b) => a - b);
}

/**
 * Waits until every node that should be alive answers: its broker port accepts connections, the
 * cluster metadata lists it as a live broker, and `TopicCommand --list` succeeds.
 */
async function waitReady(dir, state, ids, timeoutMs, log, { list = true } = {}) {
  const deadline = Date.now() + timeoutMs;
  const bootstrap = bootstrapList(state).join(',');
  const check = () => {
    for (const id of ids) {
      if (!nodeAlive(dir, state, id)) {
        const logs = join(nodeDir(dir, id), 'logs');
        throw new Error(`Kafka node ${id} exited during startup; ${logs}/stdout.log:\n${tail(join(logs, 'stdout.log'))}\n` +
          `server.log:\n${tail(join(logs, 'server.log'))}`);
      }
    }
    if (Date.now() > deadline) throw new Error(`Kafka not ready after ${timeoutMs / 1000} s (logs in ${dir}/node-*/logs)`);
  };
  for (const id of ids) {
    while (!(await canConnect(nodePorts(state.portBase, id).broker))) {
      check();
      await sleep(250);
    }
  }
  log(`broker ports open; waiting for node(s) ${ids.join(',')} to join the cluster`);
  for (;;) {
    const live = await liveBrokerIds(bootstrap);
    if (ids.every((id) => live.includes(id))) break;
    check();
    await sleep(500);
  }
  // A first start also proves the admin path end to end (one more JVM, ~2 s, so only then).
  while (list) {
    const r = await runJavaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--list'], {
      quickStart: true,
      timeoutMs: 60_000,
    });
    if (r.code === 0) return;
    check();
    await sleep(500);
  }
}

function bootstrapList(state) {
  return nodeIds(state.brokers).map((id) => `${HOST}:${nodePorts(state.portBase, id).broker}`);
}

function handle(dir, state, alreadyRunning) {
  const bootstrap = bootstrapList(state);
  return {
    dir,
    brokers: state.brokers,
    portBase: state.portBase,
    clusterId: state.clusterId,
    bootstrap,
    bootstrapServers: bootstrap.join(','),
    alreadyRunning,
    stop: (opts) => stopCluster(dir, opts),
    killBroker: (id) => killBroker(dir, id),
    startBroker: (id, opts) => startBroker(dir, id, opts),
  };
}

/** True when `dir` looks like one of ours (safe to delete): has our state file, node dirs, or is empty. */
function ownedDir(dir) {
  if (!existsSync(dir)) return false;
  const entries = readdirSync(dir);
  return entries.length === 0 || entries.includes(STATE_FILE) || entries.every((e) => /^node-\d+$/.test(e));
}

/**
 * Starts a cluster, or reuses it when the processes recorded in `dir` are alive and answering.
 * Nodes recorded but dead are restarted on their storage; a directory left by a cluster of another
 * shape (broker count, ports, version) with no live process is wiped and reformatted.
 * @param {{brokers?: number, portBase?: number, dir?: string, timeoutMs?: number, log?: (m: string) => void}} [opts]
 */
export async function startCluster(opts = {}) {
  const brokers = opts.brokers ?? 1;
  const portBase = opts.portBase ?? DEFAULT_PORT_BASE;
  const dir = opts.dir ?? defaultDir(portBase);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = opts.log ?? (() => {});
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 99) throw new Error(`bad broker count ${brokers}`);
  await ensureJars({ log });

  let state = readState(dir);
  const ids = nodeIds(brokers);
  if (state) {
    const same = state.brokers === brokers && state.portBase === portBase && state.version === KAFKA_VERSION;
    const alive = nodeIds(state.brokers).filter((id) => nodeAlive(dir, state, id));
    if (!same && alive.length > 0) {
      throw new Error(
        `${dir} runs a different cluster (${state.brokers} node(s), port base ${state.portBase}, Kafka ${state.version}); stop it first`,
      );
    }
    if (!same) {
      log(`wiping ${dir}: it held a cluster of another shape`);
      rmSync(dir, { recursive: true, force: true });
      state = null;
    } else if (alive.length === brokers) {
      log(`cluster in ${dir} already running; checking it answers`);
      await waitReady(dir, state, ids, timeoutMs, log, { list: false });
      return handle(dir, state, true);
    }
  } else if (existsSync(dir) && !ownedDir(dir)) {
    throw new Error(`${dir} exists and is not a Kafka run dir of ours; choose another EDDY_KAFKA_DIR`);
  }
  if (!state) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    state = { version: KAFKA_VERSION, brokers, portBase, clusterId: randomClusterId(), nodes: {} };
    writeState(dir, state);
  }
  const toStart = ids.filter((id) => !nodeAlive(dir, state, id));
  const started = Date.now();
  log(`starting Kafka ${KAFKA_VERSION} node(s) ${toStart.join(',')} in ${dir}`);
  // Format (one short JVM each) in parallel, then spawn; spawnNode records each pid as it goes.
  for (const id of toStart) {
    mkdirSync(nodeDir(dir, id), { recursive: true });
    writeFileSync(propsPath(dir, id), serverProperties(dir, state, id));
  }
  await Promise.all(
    toStart.filter((id) => !existsSync(join(nodeDir(dir, id), 'data', 'meta.properties'))).map((id) => formatNode(dir, state, id)),
  );
  for (const id of toStart) await spawnNode(dir, state, id);
  await waitReady(dir, state, ids, timeoutMs, log);
  log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return handle(dir, state, false);
}

/**
 * A handle on the cluster already recorded in `dir`, or null if there is none.
 * @param {string} [dir]
 */
export function openCluster(dir = defaultDir()) {
  const state = readState(dir);
  return state ? handle(dir, state, true) : null;
}

/**
 * Stops the nodes recorded in `dir` (SIGTERM, then SIGKILL after `graceMs`, default 15 s) and
 * deletes the directory unless `keep`.
 * @param {string} [dir]
 * @param {{keep?: boolean, graceMs?: number, log?: (m: string) => void}} [opts]
 */
export async function stopCluster(dir = defaultDir(), opts = {}) {
  const log = opts.log ?? (() => {});
  const state = readState(dir);
  if (state) {
    // Decide which pids are ours once, up front; afterwards wait on the pids themselves.
    const alive = Object.keys(state.nodes).map(Number).filter((id) => nodeAlive(dir, state, id));
    const pids = alive.map((id) => state.nodes[String(id)].pid);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    if (alive.length) log(`stopping node(s) ${alive.join(',')}`);
    if (!(await waitGone(pids, opts.graceMs ?? 15_000))) {
      for (const [i, pid] of pids.entries()) {
        if (!pidGone(pid)) {
          log(`node ${alive[i]} did not stop in time; SIGKILL`);
          process.kill(pid, 'SIGKILL');
        }
      }
      if (!(await waitGone(pids, 10_000))) throw new Error(`node process(es) ${pids.join(',')} survived SIGKILL`);
    }
  }
  if (!opts.keep && ownedDir(dir)) {
    rmSync(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  }
}

/** Kills node `id` (1-based) with SIGKILL, as a crash would, and waits until it is gone. */
export async function killBroker(dir, id) {
  const state = readState(dir);
  if (!state?.nodes?.[String(id)]) throw new Error(`no node ${id} recorded in ${dir}`);
  if (!nodeAlive(dir, state, id)) return;
  const pid = state.nodes[String(id)].pid;
  process.kill(pid, 'SIGKILL');
  if (!(await waitGone([pid], 10_000))) throw new Error(`node ${id} still alive after SIGKILL`);
}

/**
 * Restarts node `id` on its existing storage and waits until it has rejoined the cluster.
 * @param {string} dir
 * @param {number} id
 * @param {{timeoutMs?: number, log?: (m: string) => void}} [opts]
 */
export async function startBroker(dir, id, opts = {}) {
  const state = readState(dir);
  if (!state || id < 1 || id > state.brokers) throw new Error(`no node ${id} in the cluster recorded in ${dir}`);
  if (!nodeAlive(dir, state, id)) await spawnNode(dir, state, id);
  const live = nodeIds(state.brokers).filter((n) => nodeAlive(dir, state, n));
  await waitReady(dir, state, live, opts.timeoutMs ?? 120_000, opts.log ?? (() => {}), { list: false });
}

/** Node ids of the cluster in `dir` whose processes are alive. */
export function aliveNodes(dir = defaultDir()) {
  const state = readState(dir);
  if (!state) return [];
  return nodeIds(state.brokers).filter((id) => nodeAlive(dir, state, id));
}
