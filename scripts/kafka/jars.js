// Kafka's jars from Maven Central, cached outside the repository, and a way to run Kafka's Java
// tools (StorageTool, TopicCommand, ProducerPerformance, ...) on the same classpath.
//
// Why Maven and not the release tarball: the machines this project runs on reach Maven Central
// and nothing else, and the broker (kafka_2.13) plus the tools (kafka-tools) with their runtime
// dependencies are exactly what the tarball's libs/ holds.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Kafka version used (env EDDY_KAFKA_VERSION overrides). 4.1.x because @platformatic/kafka, the
 * client eddy uses, states support up to 4.1; 4.1.2 is the last patch release of that line.
 */
export const KAFKA_VERSION = process.env.EDDY_KAFKA_VERSION || '4.1.2';
/** Kafka 4.1 logs through SLF4J 1.7 (slf4j-api 1.7.36), so the binding is log4j-slf4j-impl, not -slf4j2-. */
const LOG4J_VERSION = '2.24.3';

/** Cache directory of this Kafka version: `$EDDY_KAFKA_CACHE/<version>`, default `~/.cache/eddy/kafka/<version>`. */
export function cacheDir() {
  const root = process.env.EDDY_KAFKA_CACHE || join(homedir(), '.cache', 'eddy', 'kafka');
  return join(root, KAFKA_VERSION);
}

/** Directory holding all runtime jars (broker, tools, logging). */
export function libsDir() {
  return join(cacheDir(), 'libs');
}

const completeMarker = () => join(libsDir(), '.complete');

/** True when the jars were fully downloaded before (no Maven run needed). */
export function jarsCached() {
  return existsSync(completeMarker()) && existsSync(join(libsDir(), `kafka_2.13-${KAFKA_VERSION}.jar`));
}

function commandWorks(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  return !r.error && r.status === 0;
}

/**
 * Whether this machine can run a Kafka: Java on PATH, and either cached jars or Maven to fetch them.
 * @returns {{ok: boolean, reason?: string}}
 */
export function toolsAvailable() {
  if (!commandWorks('java', ['-version'])) return { ok: false, reason: 'java not found on PATH' };
  if (!jarsCached() && !commandWorks('mvn', ['-v'])) {
    return { ok: false, reason: `Kafka jars not cached in ${libsDir()} and mvn not found on PATH` };
  }
  return { ok: true };
}

function pomXml() {
  const dep = (g, a, v) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by eddy's scripts/kafka/jars.js only to let Maven resolve Kafka's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>eddy.dev</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${[
  dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION),
  dep('org.apache.kafka', 'kafka-tools', KAFKA_VERSION),
  dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION),
  dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION),
].join('\n')}
  </dependencies>
</project>
`;
}

// Broker logging: a file per node under ${sys:kafka.logs.dir}, quiet (WARN) except the few
// lifecycle lines that tell when a node started or stopped. EDDY_KAFKA_LOG_LEVEL=INFO for more.
const SERVER_LOG4J = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <File name="file" fileName="\${sys:kafka.logs.dir}/server.log" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka.Kafka" level="INFO"/>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Logger name="kafka.server.BrokerServer" level="INFO"/>
    <Logger name="kafka.server.ControllerServer" level="INFO"/>
    <Root level="\${sys:eddy.kafka.logLevel:-WARN}"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`;

// Tools print their results on stdout; their own logging (admin client retries while a broker is
// still starting) would only be noise, so only errors, and on stderr.
const TOOLS_LOG4J = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="ERROR"><AppenderRef ref="stderr"/></Root>
  </Loggers>
</Configuration>
`;

function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

/** Path of the log4j2 config for broker processes (writes to `${kafka.logs.dir}/server.log`). */
export function serverLog4jConfig() {
  const path = join(cacheDir(), 'log4j2-server.xml');
  mkdirSync(cacheDir(), { recursive: true });
  writeIfChanged(path, SERVER_LOG4J);
  return path;
}

/** Path of the log4j2 config for command-line tools (errors only, to stderr). */
export function toolsLog4jConfig() {
  const path = join(cacheDir(), 'log4j2-tools.xml');
  mkdirSync(cacheDir(), { recursive: true });
  writeIfChanged(path, TOOLS_LOG4J);
  return path;
}

/**
 * Makes sure the Kafka jars are in the cache, downloading them with Maven on first use only.
 * Downloads into a private temporary folder renamed at the end, so an interrupted or concurrent
 * run never leaves a half-filled libs/ that looks complete.
 * @param {{log?: (msg: string) => void}} [opts]
 * @returns {Promise<string>} the libs directory
 */
export async function ensureJars(opts = {}) {
  const log = opts.log ?? (() => {});
  if (jarsCached()) return libsDir();
  if (!commandWorks('mvn', ['-v'])) throw new Error('Kafka jars are not cached and Maven (mvn) is not on PATH');
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const pom = join(dir, 'pom.xml');
  writeFileSync(pom, pomXml());
  const partial = join(dir, `libs.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  log(`downloading Kafka ${KAFKA_VERSION} jars with Maven into ${dir} (first run only)`);
  const started = Date.now();
  const { code, output } = await new Promise((resolve, reject) => {
    // Output kept back and shown only on failure: with -q it is errors only, plus stray ANSI resets
    // that Debian's Maven 3.8 prints even in batch mode.
    const child = spawn(
      'mvn',
      ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, output: text }));
  });
  if (code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    // eslint-disable-next-line no-control-regex
    const clean = output.replace(/\x1b\[[0-9;]*m/g, '').trim();
    throw new Error(`mvn dependency:copy-dependencies failed (exit ${code}) for Kafka ${KAFKA_VERSION}:\n${clean}`);
  }
  writeFileSync(join(partial, '.complete'), `kafka ${KAFKA_VERSION}, log4j ${LOG4J_VERSION}\n`);
  if (jarsCached()) {
    rmSync(partial, { recursive: true, force: true }); // another process finished first
  } else {
    rmSync(libsDir(), { recursive: true, force: true });
    renameSync(partial, libsDir());
  }
  log(`jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libsDir();
}

/** Java classpath with every cached jar (Java expands the `dir/*` wildcard itself). */
export function javaClasspath() {
  return join(libsDir(), '*');
}

/**
 * The `java` argument list that runs `mainClass` on Kafka's classpath, for callers that want to
 * spawn it themselves (e.g. stream ProducerPerformance output).
 * @param {string} mainClass
 * @param {string[]} args
 * @param {{heap?: string, jvmArgs?: string[], quickStart?: boolean}} [opts]
 * @returns {string[]}
 */
export function javaToolArgs(mainClass, args, opts = {}) {
  return [
    `-Xmx${opts.heap ?? '256m'}`,
    // Short admin commands start faster with C1 only; never for benchmarks (ProducerPerformance),
    // whose throughput needs the optimizing compiler.
    ...(opts.quickStart ? ['-XX:TieredStopAtLevel=1'] : []),
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${toolsLog4jConfig()}`,
    ...(opts.jvmArgs ?? []),
    '-cp',
    javaClasspath(),
    mainClass,
    ...args,
  ];
}

/**
 * Runs a Kafka Java tool (e.g. `org.apache.kafka.tools.TopicCommand`) and collects its output.
 * Does not throw on a non-zero exit; check `code`. Call `ensureJars()` first.
 * @param {string} mainClass
 * @param {string[]} args
 * @param {{timeoutMs?: number, heap?: string, jvmArgs?: string[], quickStart?: boolean}} [opts]
 * @returns {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string}>}
 */
export function runJavaTool(mainClass, args, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaToolArgs(mainClass, args, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
