/**
 * Ingest's admission check (backpressure): no new events while processing has failed, or while more
 * than `maxLag` records wait to be processed; the caller answers 503 with Retry-After instead of
 * buffering (ARCHITECTURE.md, "Backpressure").
 */
import { EddyError } from '../errors.ts';
import type { Metrics } from '../ops/metrics.ts';

export interface AdmissionOptions {
  /** Records appended but not yet processed. */
  readonly lag: () => number;
  readonly maxLag: number;
  /** The error that stopped processing, if any. */
  readonly failure?: () => unknown;
  readonly metrics: Metrics;
}

/** An `admit` function for `Ingest`: throws EDDY_NOT_READY or EDDY_OVERLOADED. */
export function admission(options: AdmissionOptions): () => void {
  return () => {
    if (options.failure?.() !== undefined) throw new EddyError('EDDY_NOT_READY', { message: 'processing has stopped after an error' });
    if (options.lag() > options.maxLag) {
      options.metrics.overloaded.inc();
      throw new EddyError('EDDY_OVERLOADED', { retryAfterSec: 1 });
    }
  };
}
