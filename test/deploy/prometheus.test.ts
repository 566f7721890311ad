/**
 * The monitoring deliverables of MISSION row 14, checked with the real tools:
 * - deploy/prometheus/alerts.yml passes `promtool check rules`, and its unit tests
 *   (deploy/prometheus/alerts.test.yml: the lag alert fires after 5 minutes, not before, not on a
 *   spike) pass `promtool test rules`; prometheus.yml passes `promtool check config`;
 * - the `/metrics` output of a real in-process instance, after events were posted, passes
 *   `promtool check metrics`. promtool exits 3 for naming lint only (1 for errors); the lint it
 *   prints today is prom-client's default metrics `eddy_nodejs_active_{handles,requests,resources}_total`
 *   ("non-counter metrics should not have _total suffix"), which eddy does not name itself, so
 *   exit code 3 passes as long as every lint line is about a metric outside eddy's own set;
 * - deploy/grafana/eddy-dashboard.json parses, and every metric it (or alerts.yml) names exists in
 *   that `/metrics` output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { skipOutsideCi } from '../support/skip.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROM_DIR = `${ROOT}deploy/prometheus`;
const PROMTOOL = '/usr/bin/promtool';

/** Without promtool (Debian package `prometheus`; .ci/run installs it) the checks skip, except in CI. */
function missingPromtool(t: TestContext): boolean {
  if (existsSync(PROMTOOL)) return false;
  skipOutsideCi(t, `${PROMTOOL} is not installed (apt-get install prometheus)`);
  return true;
}

function promtool(args: string[], options: { cwd?: string; input?: string } = {}): { status: number; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: options.cwd ?? ROOT, input: options.input, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The metric names of a Prometheus text exposition (samples, so histograms give _bucket/_sum/_count). */
function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** `eddy_...` identifiers in a PromQL expression (label values in quotes are skipped). */
function metricRefs(expr: string): string[] {
  return [...expr.replace(/"[^"]*"/g, '""').matchAll(/\beddy_[a-zA-Z0-9_:]*/g)].map((m) => m[0]);
}

describe('Prometheus and Grafana deliverables', { timeout: 60_000 }, () => {
  let instance: Instance;
  let app: FastifyInstance;
  let metricsText: string;

  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:' });
    app = buildApp({ instance });
    const items = Array.from({ length: 20 }, (_, i) => ({ content_id: `c${i}`, category: ['news', 'tech'][i % 2] }));
    assert.equal((await app.inject({ method: 'POST', url: '/v1/items', payload: items })).statusCode, 202);
    const now = Date.now();
    const events: unknown[] = Array.from({ length: 200 }, (_, i) => ({
      event_id: `e${i}`,
      user_id: `u${i % 10}`,
      session_id: `s${i % 10}`,
      timestamp: now + i,
      event_type: i % 4 === 0 ? 'view' : 'click',
      content_id: `c${i % 20}`,
    }));
    events.push({ user_id: 'bad' }, { event_id: 'e1', user_id: 'u1', session_id: 's1', timestamp: now + 1, event_type: 'click', content_id: 'c1' });
    const r = await app.inject({ method: 'POST', url: '/v1/events', payload: events });
    assert.equal(r.statusCode, 202, r.body);
    await instance.drained();
    for (const url of ['/v1/recommendations?user_id=u1', '/v1/trending?window=10m', '/v1/users/u1/features', '/v1/recommendations']) await app.inject({ url });
    const m = await app.inject({ url: '/metrics' });
    assert.equal(m.statusCode, 200);
    metricsText = m.body;
  });
  after(async () => {
    await app?.close();
    await instance?.stop();
  });

  it('alerts.yml passes promtool check rules', (t) => {
    if (missingPromtool(t)) return;
    const r = promtool(['check', 'rules', 'alerts.yml'], { cwd: PROM_DIR });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  it('alerts.yml unit tests pass: the lag alert fires after 5 minutes of high lag (promtool test rules)', (t) => {
    if (missingPromtool(t)) return;
    const r = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: PROM_DIR });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('prometheus.yml passes promtool check config', (t) => {
    if (missingPromtool(t)) return;
    const r = promtool(['check', 'config', 'prometheus.yml'], { cwd: PROM_DIR });
    assert.equal(r.status, 0, r.out);
  });

  it('the /metrics of a live instance passes promtool check metrics (errors fail; lint is reported)', (t) => {
    if (missingPromtool(t)) return;
    const r = promtool(['check', 'metrics'], { input: metricsText });
    // 0: clean; 3: lint problems only; anything else (1) is an error in the exposition.
    assert.ok(r.status === 0 || r.status === 3, `promtool check metrics exited ${r.status}:\n${r.out}`);
    const lint = r.out.split('\n').filter((l) => l.trim() !== '');
    if (lint.length > 0) t.diagnostic(`promtool check metrics lint (not failures):\n${lint.join('\n')}`);
    // eddy's own metrics must be lint-free; only prom-client's default process/nodejs metrics may be named.
    const ours = lint.filter((l) => !/^eddy_(nodejs|process)_/.test(l));
    assert.deepEqual(ours, [], 'lint about eddy-defined metrics');
    const names = sampleNames(metricsText);
    for (const n of ['eddy_events_ingested_total', 'eddy_events_processed_total', 'eddy_event_to_feature_seconds_bucket', 'eddy_serving_latency_seconds_bucket', 'eddy_consumer_lag']) {
      assert.ok(names.has(n), `${n} in /metrics`);
    }
    assert.match(metricsText, /^eddy_events_rejected_total 1$/m);
    assert.match(metricsText, /^eddy_events_duplicate_total 1$/m);
  });

  it('the Grafana dashboard parses and only names metrics that /metrics exposes', () => {
    const dashboard = JSON.parse(readFileSync(`${ROOT}deploy/grafana/eddy-dashboard.json`, 'utf8'));
    assert.equal(typeof dashboard.title, 'string');
    assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length >= 8);
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const exprs: string[] = [];
    for (const p of dashboard.panels) {
      assert.ok(p.gridPos && typeof p.gridPos.w === 'number', `panel ${p.title} has a gridPos`);
      for (const target of p.targets ?? []) exprs.push(target.expr);
    }
    for (const v of dashboard.templating?.list ?? []) if (typeof v.definition === 'string') exprs.push(v.definition);
    const refs = new Set(exprs.flatMap(metricRefs));
    for (const needed of ['eddy_consumer_lag', 'eddy_event_to_feature_seconds_bucket', 'eddy_serving_latency_seconds_bucket', 'eddy_dead_letter_total', 'eddy_http_requests_total']) {
      assert.ok(refs.has(needed), `the dashboard shows ${needed}`);
    }
    assert.ok(exprs.some((e) => e.includes('histogram_quantile')), 'quantiles via histogram_quantile');
    const names = sampleNames(metricsText);
    const missing = [...refs].filter((n) => !names.has(n));
    assert.deepEqual(missing, [], 'metrics named by the dashboard but absent from /metrics');
  });

  it('the alert rules only name metrics that /metrics exposes', () => {
    const rules = readFileSync(`${PROM_DIR}/alerts.yml`, 'utf8');
    const exprs = [...rules.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]);
    assert.ok(exprs.length >= 7);
    const names = sampleNames(metricsText);
    const missing = [...new Set(exprs.flatMap(metricRefs))].filter((n) => !names.has(n));
    assert.deepEqual(missing, []);
  });
});
