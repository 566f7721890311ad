/**
 * A small inline-SVG line chart for self-contained HTML reports: several series (a null value is a
 * gap), horizontal threshold lines (service levels), vertical marks (step boundaries, the breaking
 * step) and a legend. Text only, no scripts, nothing fetched when the file is opened.
 */

/** One line of the chart. */
export interface ChartSeries {
  name: string;
  colour: string;
  points: readonly { x: number; y: number | null }[];
  dashed?: boolean;
  /** Dots on every point: for per-step series, where one step alone must still show. */
  markers?: boolean;
}

/** What to draw; x and y ranges follow the data (y from 0, thresholds included). */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Horizontal lines, e.g. a service level. */
  thresholds?: readonly { y: number; label: string; colour: string }[];
  /** Vertical lines, e.g. where a step starts or where the ramp broke. */
  marks?: readonly { x: number; label: string; colour: string; dashed?: boolean }[];
  /** Labels of the x axis at given positions (default: five evenly spaced numbers). */
  xTicks?: readonly { x: number; label: string }[];
  width?: number;
  height?: number;
}

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round upper bound for an axis (1, 2, 2.5 or 5 times a power of ten) at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value * (1 - 1e-12)) return m * power;
  return 10 * power;
}

function label(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${Math.round(value / 1000)}k`;
  return String(Math.round(value * 100) / 100);
}

/** The chart as an `<svg>` element. */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 300;
  const pad = { l: 56, r: 16, t: 28, b: 58 };
  const points = o.series.flatMap((s) => s.points);
  const xs = [...points.map((p) => p.x), ...(o.marks ?? []).map((m) => m.x), ...(o.xTicks ?? []).map((t) => t.x)];
  let xMin = xs.length === 0 ? 0 : Math.min(...xs);
  let xMax = xs.length === 0 ? 1 : Math.max(...xs);
  if (xMax - xMin < 1e-9) {
    xMin -= 0.5;
    xMax += 0.5;
  }
  const ys = [...points.flatMap((p) => (p.y === null ? [] : [p.y])), ...(o.thresholds ?? []).map((t) => t.y)];
  const yMax = niceCeiling(Math.max(0, ...ys) * 1.05);
  const px = (x: number): string => (pad.l + ((x - xMin) / (xMax - xMin)) * (W - pad.l - pad.r)).toFixed(1);
  const py = (y: number): string => (H - pad.b - (Math.min(y, yMax) / yMax) * (H - pad.t - pad.b)).toFixed(1);
  const parts: string[] = [
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title)}" font-family="sans-serif">`,
    `<text x="${pad.l}" y="17" font-size="14" font-weight="bold">${escapeHtml(o.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${py(y)}" y2="${py(y)}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${pad.l - 5}" y="${(Number(py(y)) + 4).toFixed(1)}" font-size="11" text-anchor="end">${label(y)}</text>`);
  }
  const ticks = o.xTicks ?? Array.from({ length: 5 }, (_, i) => ({ x: xMin + ((xMax - xMin) * i) / 4, label: label(xMin + ((xMax - xMin) * i) / 4) }));
  for (const t of ticks) parts.push(`<text x="${px(t.x)}" y="${H - pad.b + 15}" font-size="10" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  parts.push(`<text x="${(pad.l + W - pad.r) / 2}" y="${H - pad.b + 30}" font-size="11" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(13 ${(pad.t + H - pad.b) / 2}) rotate(-90)" font-size="11" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" stroke="#999"/>`);
  for (const m of o.marks ?? []) {
    parts.push(`<line x1="${px(m.x)}" x2="${px(m.x)}" y1="${pad.t}" y2="${H - pad.b}" stroke="${m.colour}"${m.dashed ? ' stroke-dasharray="3 3"' : ''}/>`);
    if (m.label === '') continue;
    // A mark near the right edge is labelled on its left, so the label is not cut off.
    const x = Number(px(m.x));
    const left = x > W - pad.r - 40;
    parts.push(`<text x="${(left ? x - 3 : x + 3).toFixed(1)}" y="${pad.t + 10}" font-size="10"${left ? ' text-anchor="end"' : ''} fill="${m.colour}">${escapeHtml(m.label)}</text>`);
  }
  for (const t of o.thresholds ?? []) {
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${py(t.y)}" y2="${py(t.y)}" stroke="${t.colour}" stroke-dasharray="6 4" stroke-width="1.5"/>`);
    parts.push(`<text x="${W - pad.r - 2}" y="${(Number(py(t.y)) - 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${t.colour}">${escapeHtml(t.label)}</text>`);
  }
  for (const s of o.series) {
    let d = '';
    let pen = 'M';
    for (const p of s.points) {
      if (p.y === null) {
        pen = 'M';
        continue;
      }
      d += `${pen}${px(p.x)},${py(p.y)} `;
      pen = 'L';
    }
    if (d !== '') parts.push(`<path d="${d.trim()}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    if (s.markers) for (const p of s.points) if (p.y !== null) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.colour}"/>`);
  }
  o.series.forEach((s, i) => {
    const x = pad.l + i * 130;
    const y = H - 10;
    parts.push(`<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    parts.push(`<text x="${x + 22}" y="${y}" font-size="11">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
