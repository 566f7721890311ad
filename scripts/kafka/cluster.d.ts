// Types for scripts/kafka/cluster.js (plain JavaScript so `node scripts/kafka.js` needs no build),
// for the TypeScript that imports it: test/support/kafka.ts and the benchmarks.

/** Kafka version used (env EDDY_KAFKA_VERSION overrides). */
export const KAFKA_VERSION: string;
export const DEFAULT_PORT_BASE: number;
/** Controller ports sit this far above the broker ports. */
export const CONTROLLER_PORT_OFFSET: number;

/** Broker and controller ports of node `id` (1-based). */
export function nodePorts(portBase: number, id: number): { broker: number; controller: number };
/** Run/data directory: `$EDDY_KAFKA_DIR`, default `<tmpdir>/eddy-kafka-<portBase>`. */
export function defaultDir(portBase?: number): string;

/** Cache directory of this Kafka version: `$EDDY_KAFKA_CACHE/<version>`, default `~/.cache/eddy/kafka/<version>`. */
export function cacheDir(): string;
/** Directory holding all runtime jars. */
export function libsDir(): string;
/** True when the jars were fully downloaded before. */
export function jarsCached(): boolean;
/** Whether this machine can run a Kafka: Java, and cached jars or Maven to fetch them. */
export function toolsAvailable(): { ok: boolean; reason?: string };
/** Downloads the jars with Maven unless cached; resolves to the libs directory. */
export function ensureJars(opts?: { log?: (msg: string) => void }): Promise<string>;
/** Java classpath with every cached jar (`<libs>/*`). */
export function javaClasspath(): string;

export interface JavaToolOptions {
  /** Kill the tool after this long (default 120 s). */
  timeoutMs?: number;
  /** -Xmx (default 256m). */
  heap?: string;
  jvmArgs?: string[];
  /** C1 only: faster start for short admin commands; leave off for benchmarks. */
  quickStart?: boolean;
}
/** The `java` argument list that runs `mainClass` on Kafka's classpath, to spawn it yourself. */
export function javaToolArgs(mainClass: string, args: string[], opts?: JavaToolOptions): string[];
/** Runs a Kafka Java tool and collects its output; does not throw on a non-zero exit. */
export function runJavaTool(
  mainClass: string,
  args: string[],
  opts?: JavaToolOptions,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;

export interface StartOptions {
  /** Number of combined broker+controller nodes (default 1). */
  brokers?: number;
  /** Node n's broker port is portBase + n - 1, its controller port portBase + 100 + n - 1 (default 19092). */
  portBase?: number;
  /** Run/data directory (default `defaultDir(portBase)`). */
  dir?: string;
  /** Readiness timeout (default 120 s). */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export interface StopOptions {
  /** Keep the run/data directory. */
  keep?: boolean;
  /** Time between SIGTERM and SIGKILL (default 15 s). */
  graceMs?: number;
  log?: (msg: string) => void;
}

export interface KafkaCluster {
  dir: string;
  brokers: number;
  portBase: number;
  clusterId: string;
  /** `host:port` of every broker. */
  bootstrap: string[];
  /** `bootstrap` joined with commas, as clients take it. */
  bootstrapServers: string;
  /** True when the cluster was already up and was only reused. */
  alreadyRunning: boolean;
  stop(opts?: StopOptions): Promise<void>;
  /** SIGKILL node `id` (1-based). */
  killBroker(id: number): Promise<void>;
  /** Restart node `id` on its storage and wait until it rejoins. */
  startBroker(id: number, opts?: { timeoutMs?: number; log?: (msg: string) => void }): Promise<void>;
}

/** Starts a cluster, or reuses the one recorded in the run dir when it is alive and answering. */
export function startCluster(opts?: StartOptions): Promise<KafkaCluster>;
/** A handle on the cluster recorded in `dir`, or null. */
export function openCluster(dir?: string): KafkaCluster | null;
/** Stops the nodes recorded in `dir` and deletes it unless `keep`. */
export function stopCluster(dir?: string, opts?: StopOptions): Promise<void>;
export function killBroker(dir: string, id: number): Promise<void>;
export function startBroker(dir: string, id: number, opts?: { timeoutMs?: number; log?: (msg: string) => void }): Promise<void>;
/** Node ids of the cluster in `dir` whose processes are alive. */
export function aliveNodes(dir?: string): number[];
