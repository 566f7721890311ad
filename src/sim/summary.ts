/** The end-of-run summary of `eddy simulate`: readable lines, then one JSON object. */
import { round } from './stats.ts';

/** Figures of one simulation run (also the JSON object on the last line of stdout). */
export interface SimulationSummary {
  url: string;
  seed: number;
  users: number;
  items: number;
  duration_s: number;
  target_rate: number;
  events_generated: number;
  /** Events in batches the instance answered (accepted, duplicate or rejected). */
  events_sent: number;
  events_accepted: number;
  events_duplicates: number;
  events_rejected: number;
  /** Events never answered: still queued or in flight when the drain time ran out. */
  events_unsent: number;
  retries: number;
  events_per_sec: number | null;
  post_p50_ms: number | null;
  post_p99_ms: number | null;
  rec_requests: number;
  rec_errors: number;
  rec_p50_ms: number | null;
  rec_p99_ms: number | null;
  rec_items_scored: number;
  taste_match_rate: number | null;
  taste_chance_rate: number | null;
  taste_lift: number | null;
}

const ms = (v: number | null): string => (v === null ? 'n/a' : `${v} ms`);

/** The summary as lines for stdout; the last line is the JSON object. */
export function formatSummary(s: SimulationSummary): string[] {
  const lift = s.taste_lift === null ? 'n/a' : `${round(s.taste_lift, 2)}x`;
  return [
    `simulation against ${s.url} (seed ${s.seed}, ${s.users} users, ${s.items} items, ${s.duration_s} s)`,
    `events: ${s.events_sent} sent of ${s.events_generated} generated, ${s.events_accepted} accepted, ` +
      `${s.events_duplicates} duplicates, ${s.events_rejected} rejected, ${s.events_unsent} unsent, ${s.retries} retries`,
    `rate: ${s.events_per_sec ?? 'n/a'} events/s achieved (target ${s.target_rate})`,
    `POST /v1/events latency: p50 ${ms(s.post_p50_ms)}, p99 ${ms(s.post_p99_ms)}`,
    `recommendations: ${s.rec_requests} requests, ${s.rec_errors} errors, p50 ${ms(s.rec_p50_ms)}, p99 ${ms(s.rec_p99_ms)}`,
    `taste match: ${s.taste_match_rate ?? 'n/a'} of ${s.rec_items_scored} served items vs ${s.taste_chance_rate ?? 'n/a'} by chance (lift ${lift})`,
    JSON.stringify(s),
  ];
}
