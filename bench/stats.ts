/** Small statistics for benchmark reports: medians and percentiles of repeated measurements. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
