/**
 * The self-contained HTML report of `eddy simulate --ramp --report FILE.html`: a verdict box, inline
 * SVG charts (target vs achieved rates, POST and GET latency with their service levels, freshness
 * and consumer lag over time) and the table of steps. No scripts and no external assets, so the
 * file can be attached to an issue and opened offline.
 */
import { writeFile } from 'node:fs/promises';
import { levelName, num, type StepResult } from './ramp-verdict.ts';
import type { RampSummary } from './ramp-summary.ts';
import { escapeHtml, lineChart, type ChartOptions } from './svg-chart.ts';

const TARGET = '#7f7f7f';
const ACHIEVED = '#1f77b4';
const P50 = '#2ca02c';
const P99 = '#ff7f0e';
const SLO = '#d62728';
const LAG = '#9467bd';

type Marks = NonNullable<ChartOptions['marks']>;

/** The per-step charts' x axis: one tick a step, labelled with its target events/s. */
function stepTicks(steps: readonly StepResult[]): { x: number; label: string }[] {
  // Thin the labels out when there are many steps, so they do not overlap.
  const every = Math.max(1, Math.ceil(steps.length / 10));
  return steps.filter((s, i) => i % every === 0 || i === steps.length - 1).map((s) => ({ x: s.step, label: `${s.step}: ${num(s.target_events_per_s)}` }));
}

function perStep(steps: readonly StepResult[], pick: (s: StepResult) => number | null): { x: number; y: number | null }[] {
  return steps.map((s) => ({ x: s.step, y: pick(s) }));
}

function charts(s: RampSummary): string[] {
  const { steps } = s;
  const broke = s.verdict.broke_first;
  const stepMarks: Marks = broke === null ? [] : [{ x: broke.step, label: 'broke', colour: SLO }];
  const xTicks = stepTicks(steps);
  const xLabel = 'step: target events/s';
  // Time charts: a faint line where each step starts, a red one where the breaking step starts.
  const timeMarks: Marks = steps.map((st) => ({
    x: st.started_s,
    label: broke !== null && st.step === broke.step ? 'broke' : st.step === 1 || steps.length <= 12 ? `${num(st.target_events_per_s)}/s` : '',
    colour: broke !== null && st.step === broke.step ? SLO : '#bbbbbb',
    dashed: true,
  }));
  const latency = (title: string, p50: (x: StepResult) => number | null, p99: (x: StepResult) => number | null, slo: number): string =>
    lineChart({
      title,
      xLabel,
      yLabel: 'ms',
      xTicks,
      marks: stepMarks,
      thresholds: [{ y: slo, label: `SLO p99 ${slo} ms`, colour: SLO }],
      series: [
        { name: 'p50', colour: P50, points: perStep(steps, p50), markers: true },
        { name: 'p99', colour: P99, points: perStep(steps, p99), markers: true },
      ],
    });
  const freshnessNote = s.metrics_available ? '' : ' (not measured: /metrics did not answer)';
  return [
    lineChart({
      title: 'Events per second: target vs achieved',
      xLabel,
      yLabel: 'events/s',
      xTicks,
      marks: stepMarks,
      series: [
        { name: 'target', colour: TARGET, points: perStep(steps, (x) => x.target_events_per_s), dashed: true, markers: true },
        { name: 'achieved', colour: ACHIEVED, points: perStep(steps, (x) => x.events_per_s), markers: true },
      ],
    }),
    lineChart({
      title: 'Recommendation requests per second: target vs achieved',
      xLabel,
      yLabel: 'requests/s',
      xTicks,
      marks: stepMarks,
      series: [
        { name: 'target', colour: TARGET, points: perStep(steps, (x) => x.target_requests_per_s), dashed: true, markers: true },
        { name: 'achieved', colour: ACHIEVED, points: perStep(steps, (x) => x.requests_per_s), markers: true },
      ],
    }),
    latency('POST /v1/events latency', (x) => x.post_p50_ms, (x) => x.post_p99_ms, s.slo.post_p99_ms),
    latency('GET /v1/recommendations latency', (x) => x.get_p50_ms, (x) => x.get_p99_ms, s.slo.get_p99_ms),
    lineChart({
      title: `Freshness p99 over time (ingest -> visible)${freshnessNote}`,
      xLabel: 'seconds since the ramp started',
      yLabel: 'ms',
      marks: timeMarks,
      thresholds: [{ y: s.slo.freshness_p99_ms, label: `SLO ${s.slo.freshness_p99_ms} ms`, colour: SLO }],
      series: [{ name: 'p99 per second', colour: P99, points: s.freshness_series.map((p) => ({ x: p.t_s, y: p.p99_ms })), markers: s.freshness_series.length < 40 }],
    }),
    lineChart({
      title: `Consumer lag over time${freshnessNote}`,
      xLabel: 'seconds since the ramp started',
      yLabel: 'records not yet processed',
      marks: timeMarks,
      series: [{ name: 'lag', colour: LAG, points: s.lag_series.map((p) => ({ x: p.t_s, y: p.lag })), markers: s.lag_series.length < 40 }],
    }),
  ];
}

function verdictBox(s: RampSummary): string {
  const v = s.verdict;
  const held = v.sustainable;
  const headline =
    held === null
      ? 'No step held every service level'
      : `Highest sustainable rate: ${num(held.target_events_per_s)} events/s and ${num(held.target_requests_per_s)} requests/s`;
  const detail =
    held === null ? 'Start lower (--ramp-start).' : `Step ${held.step}; achieved ${num(held.events_per_s)} events/s and ${num(held.requests_per_s)} requests/s.`;
  const broke = v.broke_first;
  const brokeHtml =
    broke === null
      ? `<p>No service level broke up to --ramp-max: the breaking point is higher.</p>`
      : `<p><b>What broke first</b>: step ${broke.step} (target ${num(broke.target_events_per_s)} events/s, ${num(broke.target_requests_per_s)} requests/s)</p><ul>` +
        broke.breaches
          .map((b) => `<li><b>${escapeHtml(levelName(b.level))}</b>: ${b.measured === null ? 'not measurable' : escapeHtml(num(b.measured))} vs threshold ${escapeHtml(num(b.threshold))} &mdash; ${escapeHtml(b.text)}</li>`)
          .join('') +
        '</ul>';
  const notes = v.lines.filter((l) => l.trim().startsWith('note:')).map((l) => `<p class="note">${escapeHtml(l.trim())}</p>`);
  return `<div class="verdict ${broke === null ? 'held' : 'broke'}"><h2>${escapeHtml(headline)}</h2><p>${escapeHtml(detail)}</p>${brokeHtml}${notes.join('')}</div>`;
}

function stepTable(s: RampSummary): string {
  const cell = (x: number | null): string => (x === null ? 'n/a' : escapeHtml(num(x)));
  const head = ['step', 'target ev/s', 'ev/s', 'target req/s', 'req/s', 'POST p50', 'POST p99', 'GET p50', 'GET p99', '5xx', '429/503', 'net', 'error rate', 'freshness p99', 'lag max', 'processed/s', 'result'];
  const rows = s.steps.map((st) => {
    const result = st.breaches.length === 0 ? 'held' : `broke: ${st.breaches.map((b) => levelName(b.level)).join(', ')}`;
    const cells = [
      String(st.step),
      cell(st.target_events_per_s),
      cell(st.events_per_s),
      cell(st.target_requests_per_s),
      cell(st.requests_per_s),
      cell(st.post_p50_ms),
      cell(st.post_p99_ms),
      cell(st.get_p50_ms),
      cell(st.get_p99_ms),
      String(st.errors_5xx),
      String(st.errors_overloaded),
      String(st.errors_network),
      cell(st.error_rate),
      cell(st.freshness_p99_ms),
      cell(st.lag_max),
      cell(st.processed_per_s),
      escapeHtml(result),
    ];
    return `<tr${st.breaches.length > 0 ? ' class="broke"' : ''}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The report as one HTML document. */
export function renderRampReport(s: RampSummary): string {
  const slo = s.slo;
  const meta =
    `${escapeHtml(s.url)} &middot; seed ${s.seed} &middot; ${s.users} users, ${s.items} items &middot; ${escapeHtml(s.plan.step)} every ${s.plan.step_duration_s} s ` +
    `from ${num(s.plan.start)} up to ${num(s.plan.max)} events/s &middot; recommendations at ${s.rec_share} of the event rate &middot; ` +
    `service levels: POST p99 &le; ${slo.post_p99_ms} ms, GET p99 &le; ${slo.get_p99_ms} ms, freshness p99 &le; ${slo.freshness_p99_ms} ms, ` +
    `error rate &le; ${slo.error_rate}, achieved &ge; ${slo.min_achieved} of target`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eddy ramp report</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1180px; }
.meta { color: #555; font-size: 13px; }
.verdict { border: 2px solid; border-radius: 6px; padding: 8px 16px; margin: 16px 0; }
.verdict.broke { border-color: #d62728; background: #fff4f4; }
.verdict.held { border-color: #2ca02c; background: #f4fff4; }
.verdict h2 { margin: 8px 0; font-size: 20px; }
.note { color: #8a5a00; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
table { border-collapse: collapse; font-size: 12px; margin-top: 16px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
th { background: #f3f3f3; }
tr.broke td { background: #fff0f0; }
</style></head>
<body>
<h1>eddy ramp report</h1>
<p class="meta">${meta}</p>
${verdictBox(s)}
<div class="charts">
${charts(s).join('\n')}
</div>
<h2>Steps</h2>
${stepTable(s)}
</body></html>
`;
}

/** Writes the report of `summary` to `file`. */
export async function writeRampReport(file: string, summary: RampSummary): Promise<void> {
  await writeFile(file, renderRampReport(summary), 'utf8');
}
