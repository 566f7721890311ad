/**
 * What a processing instance records after each commit, in either deployment: events processed,
 * commit duration, and freshness (ingest to committed features) from the `ingested_at` stamp.
 */
import { ingestedAtOf as recordIngestedAt, isWireFormat } from '../events/codec/index.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { CommitInfo } from '../stream/task.ts';
import type { TopicNames } from './topics.ts';

/** An `onCommitted` callback that feeds `metrics`. */
export function commitObserver(metrics: Metrics, topics: TopicNames): (info: CommitInfo) => void {
  return ({ records, commitMs }) => {
    const now = Date.now();
    for (const r of records) {
      const ingestedAt = r.topic === topics.interactions ? ingestedAtOf(r.value) : undefined;
      if (ingestedAt !== undefined) metrics.processingFreshness.observe((now - ingestedAt) / 1000);
    }
    metrics.eventsProcessed.inc(records.length);
    metrics.commitDuration.observe(commitMs / 1000);
  };
}

function ingestedAtOf(value: Buffer): number | undefined {
  // eddy's own records hold it at a fixed offset.
  if (isWireFormat(value)) return recordIngestedAt(value);
  // JSON written before the binary records: a cheap scan instead of a second JSON.parse, as that
  // ingest appended `"ingested_at":<ms>` last.
  const s = value.toString('latin1', Math.max(0, value.length - 40));
  const i = s.lastIndexOf('"ingested_at":');
  if (i < 0) return undefined;
  const n = Number.parseInt(s.slice(i + 14), 10);
  return Number.isFinite(n) ? n : undefined;
}
