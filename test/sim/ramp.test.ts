// `eddy simulate --ramp`: the plan of rates, the judgement of a step, the verdict, the flags, and a
// ramp against a real embedded eddy that is made to slow down partway: the ramp must stop at the
// first step that breaks a level, name the level, and write a self-contained HTML report.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEmbeddedInstance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { RAMP_DEFAULTS, judgeStep, parseSimulateArgs, rampRates, rampVerdict, runRamp, type StepMeasurement } from '../../src/sim/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'eddy-ramp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the plan: multiply or add from the start, ending on --ramp-max', () => {
  assert.deepEqual(rampRates(100, { kind: 'multiply', by: 2 }, 1000, 100), [100, 200, 400, 800, 1000]);
  assert.deepEqual(rampRates(100, { kind: 'add', by: 100 }, 400, 100), [100, 200, 300, 400]);
  assert.deepEqual(rampRates(100, { kind: 'multiply', by: 1.5 }, 225, 100), [100, 150, 225]);
  assert.equal(rampRates(1, { kind: 'add', by: 1 }, 1e6, 101).length, 101, 'bounded by the limit');
});

/** A step that held everything at 1,000 events/s. */
function healthy(overrides: Partial<StepMeasurement> = {}): StepMeasurement {
  return {
    step: 1, started_s: 0, duration_s: 10, target_events_per_s: 1000, target_requests_per_s: 100, events_per_s: 990, requests_per_s: 99,
    events_accepted: 9900, post_requests: 200, get_requests: 990, post_p50_ms: 3, post_p99_ms: 20, get_p50_ms: 2, get_p99_ms: 15,
    errors_5xx: 0, errors_overloaded: 0, errors_network: 0, error_rate: 0, freshness_p99_ms: 300, freshness_observed: 9900,
    lag_max: 50, lag_end: 0, processed_per_s: 990, client_delay_p99_ms: 5, ...overrides,
  };
}

test('a step is judged on every level; breaches come worst first, each naming its figures', () => {
  const slo = RAMP_DEFAULTS.slo;
  assert.deepEqual(judgeStep(healthy(), slo), []);
  const broken = judgeStep(healthy({ post_p99_ms: 60, get_p99_ms: 500, error_rate: 0.02, errors_overloaded: 20 }), slo);
  assert.deepEqual(broken.map((b) => b.level), ['get_p99', 'error_rate', 'post_p99']);
  assert.match(broken[0]!.text, /GET \/v1\/recommendations p99 500 ms > 50 ms/);
  assert.match(broken[1]!.text, /20 429\/503/);
  const slow = judgeStep(healthy({ events_per_s: 500 }), slo);
  assert.equal(slow[0]!.level, 'event_rate');
  assert.match(slow[0]!.text, /50% of the target 1000/);
  const stuck = judgeStep(healthy({ freshness_p99_ms: null, freshness_observed: 0, lag_end: 5000 }), slo);
  assert.equal(stuck[0]!.level, 'freshness_p99');
  assert.match(stuck[0]!.text, /no event became visible/);
  // A step shorter than the level may end before any commit: that says nothing.
  assert.deepEqual(judgeStep(healthy({ duration_s: 0.5, freshness_p99_ms: null, freshness_observed: 0, lag_end: 50 }), slo), []);
});

test('the verdict: the last step that held, and what broke first', () => {
  const held = { ...healthy(), breaches: [] };
  const broke = { ...healthy({ step: 2, target_events_per_s: 1500, post_p99_ms: 80 }), breaches: judgeStep(healthy({ post_p99_ms: 80 }), RAMP_DEFAULTS.slo) };
  const v = rampVerdict([held, broke]);
  assert.equal(v.stopped, 'breach');
  assert.equal(v.sustainable?.target_events_per_s, 1000);
  assert.equal(v.broke_first?.step, 2);
  assert.match(v.lines[0]!, /highest sustainable rate: 1000 events\/s and 100 requests\/s/);
  assert.match(v.lines[1]!, /broke first at step 2 .*POST \/v1\/events p99 80 ms > 50 ms/);
  assert.equal(rampVerdict([held]).stopped, 'ramp_max');
  assert.match(rampVerdict([broke]).lines[0]!, /no step held/);
});

test('flags: service levels and the plan, errors name the flag', () => {
  const o = parseSimulateArgs(['--url', 'http://127.0.0.1:1', '--ramp', '--ramp-start', '50', '--ramp-step', '+25', '--ramp-max', '1000', '--slo-get-p99', '20ms', '--report', 'r.html']);
  assert.deepEqual(o.ramp?.step, { kind: 'add', by: 25 });
  assert.equal(o.ramp?.start, 50);
  assert.equal(o.ramp?.slo.getP99Ms, 20);
  assert.equal(o.ramp?.slo.postP99Ms, RAMP_DEFAULTS.slo.postP99Ms);
  assert.throws(() => parseSimulateArgs(['--url', 'http://127.0.0.1:1', '--slo-get-p99', '20ms']), /--slo-get-p99: only with --ramp/);
  assert.throws(() => parseSimulateArgs(['--url', 'http://127.0.0.1:1', '--ramp', '--ramp-step', 'x0.5']), /--ramp-step: must be/);
  assert.throws(() => parseSimulateArgs(['--url', 'http://127.0.0.1:1', '--ramp', '--report', 'r.txt']), /--report: must name an \.html file/);
  assert.throws(() => parseSimulateArgs(['--url', 'http://127.0.0.1:1', '--ramp', '--rate', '5']), /--rate: not used with --ramp/);
});

test('a ramp against eddy that slows down at its third step stops there, names POST p99, and writes the report', { timeout: 120_000 }, async () => {
  const instance = await startEmbeddedInstance({ dataDir: ':memory:' });
  const app = buildApp({ instance });
  // From the third step on, every POST /v1/events takes 120 ms: the breaking point.
  let slowFrom = Number.POSITIVE_INFINITY;
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && request.url.startsWith('/v1/events') && performance.now() >= slowFrom) await new Promise((r) => setTimeout(r, 120));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const report = join(dir, 'ramp.html');
  const out: string[] = [];
  try {
    const options = parseSimulateArgs([
      '--url', url, '--users', '200', '--items', '300', '--seed', '7', '--ramp', '--ramp-start', '40', '--ramp-step', 'x1.5', '--ramp-max', '2000',
      '--step-duration', '1500ms', '--warmup', '0', '--slo-freshness-p99', '30s', '--slo-min-achieved', '0.5', '--slo-error-rate', '0.5', '--report', report,
    ]);
    const logs: string[] = [];
    const t0 = performance.now();
    const running = runRamp({ ...options, ramp: options.ramp! }, { log: (l) => logs.push(`${Math.round(performance.now() - t0)} ms: ${l}`), out: (l) => out.push(l) });
    // The second step's line is printed as it ends: slow from then on.
    const watch = setInterval(() => {
      if (logs.some((l) => l.includes('ms: [step 2/'))) {
        clearInterval(watch);
        slowFrom = performance.now();
      }
    }, 5);
    const summary = await running;
    clearInterval(watch);
    assert.equal(summary.steps.length, 3, `stopped at the third step: ${logs.join('\n')}`);
    const last = summary.steps.at(-1)!;
    assert.equal(summary.verdict.stopped, 'breach', logs.join('\n'));
    assert.equal(summary.verdict.broke_first?.step, last.step);
    assert.ok(last.breaches.some((b) => b.level === 'post_p99'), `POST p99 broke: ${JSON.stringify(last.breaches)}`);
    assert.ok(summary.verdict.sustainable !== null && summary.verdict.sustainable.step === last.step - 1, 'the step before held');
    assert.ok(summary.steps.slice(0, -1).every((s) => s.breaches.length === 0 && s.errors_5xx === 0));
    assert.ok(summary.metrics_available, 'freshness and lag came from /metrics');
    assert.ok(summary.lag_series.length > 0);
    // Printed: a table, the verdict in words, and the JSON object last.
    assert.ok(out.some((l) => l.startsWith('highest sustainable rate:')), out.join('\n'));
    assert.ok(out.some((l) => l.startsWith(`broke first at step ${last.step}`)));
    assert.deepEqual(JSON.parse(out.at(-1)!).verdict, summary.verdict);
    const html = readFileSync(report, 'utf8');
    assert.ok((html.match(/<svg /g) ?? []).length >= 4, 'charts: rates, latencies, freshness, lag');
    assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained: no scripts, no external assets');
    assert.match(html, /highest sustainable rate/i);
  } finally {
    // Within the close grace (2 s): the sim's aborted requests leave connections without a request.
    const closing = performance.now();
    await app.close();
    assert.ok(performance.now() - closing < 10_000, 'the server closes within its grace');
    await instance.stop();
  }
});
