import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { EddyError } from '../src/errors.ts';

test('flags win over the environment, the environment over defaults', () => {
  const c = loadConfig(['--port', '9000'], { EDDY_PORT: '8000', EDDY_DATA_DIR: '/tmp/d', EDDY_KAFKA_BROKERS: 'a:1,b:2' });
  assert.equal(c.port, 9000);
  assert.equal(c.dataDir, '/tmp/d');
  assert.deepEqual(c.brokers, ['a:1', 'b:2']);
  assert.equal(c.host, '127.0.0.1');
});

test('invalid settings fail with the path that is wrong', () => {
  assert.throws(
    () => loadConfig(['--port', 'eighty', '--log', 'files'], {}),
    (e: unknown) => e instanceof EddyError && e.code === 'EDDY_CONFIG_INVALID' && e.details.some((d) => String(d).startsWith('/port')) && e.details.some((d) => String(d).startsWith('/log')),
  );
  assert.throws(() => loadConfig(['--nope', '1'], {}), /unknown option --nope/);
});

test('Kafka settings: flags for the topic layout, a `kafka:` section in the file, errors name the path', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-config-'));
  try {
    const file = join(dir, 'eddy.yaml');
    writeFileSync(file, 'log: kafka\nkafka:\n  acks: all\n  lingerMs: 5\n  compression: lz4\n');
    const c = loadConfig(['--config', file, '--replication-factor', '3', '--min-insync-replicas', '2', '--member-id', 'pod-1'], { EDDY_TOPIC_PREFIX: 't1.' });
    assert.deepEqual(c.kafka, { acks: 'all', lingerMs: 5, compression: 'lz4' });
    assert.equal(c.replicationFactor, 3);
    assert.equal(c.minInsyncReplicas, 2);
    assert.equal(c.memberId, 'pod-1');
    assert.equal(c.topicPrefix, 't1.');
    writeFileSync(file, 'kafka:\n  acks: some\n  lingerMillis: 5\n');
    assert.throws(
      () => loadConfig(['--config', file], {}),
      (e: unknown) => e instanceof EddyError && e.details.some((d) => String(d).startsWith('/kafka/acks')) && e.details.some((d) => String(d).startsWith('/kafka: must NOT have additional properties')),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exploration share: flag or environment, 0 to 0.5, errors name the path', () => {
  assert.equal(loadConfig([], {}).explorationShare, 0.1);
  assert.equal(loadConfig(['--exploration-share', '0.25'], { EDDY_EXPLORATION_SHARE: '0' }).explorationShare, 0.25);
  assert.equal(loadConfig([], { EDDY_EXPLORATION_SHARE: '0' }).explorationShare, 0);
  assert.throws(
    () => loadConfig(['--exploration-share', '0.9'], {}),
    (e: unknown) => e instanceof EddyError && e.details.some((d) => String(d).startsWith('/explorationShare')),
  );
});

test('abuse and shutdown settings: defaults, flags and environment, errors name the path', () => {
  const d = loadConfig([], {});
  assert.equal(d.rateLimit, 6000);
  assert.equal(d.rateLimitWindowMs, 60_000);
  assert.deepEqual(d.corsOrigins, []);
  assert.equal(d.logLevel, 'info');
  assert.equal(d.shutdownTimeoutMs, 25_000);
  const c = loadConfig(['--rate-limit', '0', '--cors-origins', 'https://a.example, http://b.example:8080', '--log-level', 'warn', '--api-keys', 'k:read'], {
    EDDY_RATE_LIMIT: '10',
    EDDY_RATE_LIMIT_WINDOW_MS: '1000',
    EDDY_SHUTDOWN_TIMEOUT_MS: '5000',
  });
  assert.equal(c.rateLimit, 0);
  assert.equal(c.rateLimitWindowMs, 1000);
  assert.deepEqual(c.corsOrigins, ['https://a.example', 'http://b.example:8080']);
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.apiKeys, 'k:read');
  assert.equal(c.shutdownTimeoutMs, 5000);
  assert.deepEqual(loadConfig([], { EDDY_CORS_ORIGINS: '*', EDDY_LOG_LEVEL: 'silent' }).corsOrigins, ['*']);
  const failsAt = (paths: string[], argv: string[], env: NodeJS.ProcessEnv = {}) =>
    assert.throws(
      () => loadConfig(argv, env),
      (e: unknown) => e instanceof EddyError && e.code === 'EDDY_CONFIG_INVALID' && paths.every((p) => e.details.some((d) => String(d).startsWith(p))),
      paths.join(', '),
    );
  failsAt(['/rateLimit', '/rateLimitWindowMs'], ['--rate-limit', '-1', '--rate-limit-window-ms', '10']);
  failsAt(['/rateLimit'], [], { EDDY_RATE_LIMIT: 'lots' });
  failsAt(['/corsOrigins/1'], ['--cors-origins', 'https://a.example,shop.example']);
  failsAt(['/corsOrigins/0'], [], { EDDY_CORS_ORIGINS: 'https://a.example/' });
  failsAt(['/logLevel'], ['--log-level', 'verbose']);
  failsAt(['/shutdownTimeoutMs'], [], { EDDY_SHUTDOWN_TIMEOUT_MS: '0' });
});

test('topic formats: per input topic from the environment, a flag or the file; a bad topic or format names its path', () => {
  assert.deepEqual(loadConfig([], {}).topicFormats, {});
  assert.deepEqual(loadConfig([], { EDDY_TOPIC_FORMATS: 'user_interactions=avro, content_catalog=json' }).topicFormats, { user_interactions: 'avro', content_catalog: 'json' });
  assert.deepEqual(loadConfig(['--topic-formats', 'content_clicks=auto'], {}).topicFormats, { content_clicks: 'auto' });
  assert.throws(
    () => loadConfig(['--topic-formats', 'user_interactions=protobuf,orders=json'], {}),
    (e: unknown) =>
      e instanceof EddyError && e.details.some((d) => String(d).startsWith('/topicFormats/user_interactions')) && e.details.some((d) => /^\/topicFormats: .*additional/.test(String(d))),
  );
});
