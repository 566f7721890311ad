// Self-contained HTML report of a replay: one inline SVG chart of HR@K over the replay (cumulative
// and per window) for every recommender, plus the summary table. No scripts, no external assets,
// so the file can be attached to an issue or opened offline.

import { writeFile } from 'node:fs/promises';
import type { PrequentialResult } from './prequential.ts';

/** One series point: scored events so far and the HR at that point. */
export interface SeriesPoint {
  x: number;
  y: number;
}

/** HR over time from a per-event hit array: cumulative and per window of `every` scored events. */
export function hitSeries(hits: Uint8Array, every: number): { cumulative: SeriesPoint[]; windowed: SeriesPoint[] } {
  const cumulative: SeriesPoint[] = [];
  const windowed: SeriesPoint[] = [];
  let total = 0;
  let win = 0;
  for (let i = 0; i < hits.length; i++) {
    total += hits[i];
    win += hits[i];
    const n = i + 1;
    if (n % every === 0 || n === hits.length) {
      cumulative.push({ x: n, y: total / n });
      const size = n % every === 0 ? every : n % every;
      windowed.push({ x: n, y: win / size });
      win = 0;
    }
  }
  return { cumulative, windowed };
}

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An SVG line chart of several series (`dashed` for the cumulative ones). */
function chart(series: { name: string; colour: string; points: SeriesPoint[]; dashed: boolean }[], title: string): string {
  const W = 900;
  const H = 380;
  const pad = { l: 60, r: 220, t: 30, b: 40 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = Math.max(1, ...xs);
  const yMax = Math.max(0.01, ...ys) * 1.1;
  const px = (x: number): number => pad.l + (x / xMax) * (W - pad.l - pad.r);
  const py = (y: number): number => H - pad.b - (y / yMax) * (H - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<text x="${pad.l}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let t = 0; t <= 5; t++) {
    const y = (yMax * t) / 5;
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${(py(y) + 4).toFixed(1)}" font-size="11" text-anchor="end">${y.toFixed(3)}</text>`);
    const x = (xMax * t) / 5;
    parts.push(`<text x="${px(x).toFixed(1)}" y="${H - pad.b + 16}" font-size="11" text-anchor="middle">${Math.round(x)}</text>`);
  }
  parts.push(`<text x="${(pad.l + W - pad.r) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">scored events</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.dashed ? 2.5 : 1.2}"${s.dashed ? '' : ' opacity="0.6"'}/>`);
    const ly = pad.t + 16 * i;
    parts.push(`<line x1="${W - pad.r + 10}" x2="${W - pad.r + 30}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="${s.dashed ? 2.5 : 1.2}"/>`);
    parts.push(`<text x="${W - pad.r + 36}" y="${ly + 4}" font-size="11">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Options of {@link renderReport}. */
export interface ReportOptions {
  title?: string;
  k: number;
  /** scored events per window of the windowed series */
  every?: number;
  /** extra lines shown under the title (data set, parameters) */
  notes?: string[];
}

/** The HTML page as a string. */
export function renderReport(results: readonly PrequentialResult[], options: ReportOptions): string {
  const every = options.every ?? 5000;
  const title = options.title ?? `eddy replay: HR@${options.k} over time`;
  const cum = results.map((r, i) => ({ name: `${r.name} (cumulative)`, colour: COLOURS[i % COLOURS.length], points: hitSeries(r.hits, every).cumulative, dashed: true }));
  const win = results.map((r, i) => ({ name: `${r.name} (per ${every})`, colour: COLOURS[i % COLOURS.length], points: hitSeries(r.hits, every).windowed, dashed: false }));
  const rows = results
    .map((r) => `<tr><td>${esc(r.name)}</td><td>${r.hr.toFixed(4)}</td><td>${r.ndcg.toFixed(4)}</td><td>${r.mrr.toFixed(4)}</td><td>${r.coverage.toFixed(3)}</td><td>${r.count}</td><td>${Math.round(r.events_per_sec)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>${esc(title)}</h1>
${(options.notes ?? []).map((n) => `<p>${esc(n)}</p>`).join('\n')}
<table><thead><tr><th>recommender</th><th>HR@${options.k}</th><th>NDCG@${options.k}</th><th>MRR@${options.k}</th><th>coverage</th><th>scored</th><th>events/s</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${chart(cum, `HR@${options.k}, cumulative`)}
${chart(win, `HR@${options.k}, per window of ${every} scored events`)}
</body></html>
`;
}

/** Writes the report to `path`. */
export async function writeReport(path: string, results: readonly PrequentialResult[], options: ReportOptions): Promise<void> {
  await writeFile(path, renderReport(results, options), 'utf8');
}
