/**
 * `runSimulation`: uploads the synthetic catalogue, then sends session traffic at the target rate
 * while asking for recommendations for active users, feeds what is served back into the users'
 * behaviour, and measures rate, latency and how well the served items match the hidden tastes.
 */
import type { SimulateOptions } from './args.ts';
import { Behaviour, type SimEvent } from './behaviour.ts';
import { Endpoint, sleep } from './http.ts';
import { SessionPool } from './pool.ts';
import { Rng } from './random.ts';
import { LatencyRecorder, TasteTally, round } from './stats.ts';
import { formatSummary, type SimulationSummary } from './summary.ts';
import { chanceTasteShare, createWorld, isTaste, type SimWorld } from './world.ts';

/** Where output goes: `log` for progress (stderr), `out` for the summary (default stdout). */
export interface SimulationSinks {
  log: (line: string) => void;
  out?: (line: string) => void;
}

const TICK_MS = 25;
const CATALOGUE_CHUNK = 500;
const MAX_BATCH = 500;
const MAX_REC_IN_FLIGHT = 4;
/** Users need this many events delivered before their recommendations count for the taste match. */
const WARM_EVENTS = 5;

interface RecItem {
  content_id: string;
  category?: string;
}

function recItems(body: unknown): RecItem[] | undefined {
  if (body === null || typeof body !== 'object' || !('items' in body) || !Array.isArray(body.items)) return undefined;
  const items: RecItem[] = [];
  for (const it of body.items as unknown[]) {
    if (it === null || typeof it !== 'object' || !('content_id' in it) || typeof it.content_id !== 'string') continue;
    const category = 'category' in it && typeof it.category === 'string' ? it.category : undefined;
    items.push({ content_id: it.content_id, category });
  }
  return items;
}

function count(body: unknown, field: string): number {
  if (body === null || typeof body !== 'object') return 0;
  const v = (body as Record<string, unknown>)[field];
  return typeof v === 'number' ? v : Array.isArray(v) ? v.length : 0;
}

/** Indices of rejected events in a `POST /v1/events` answer. */
function rejectedIndices(body: unknown): Set<number> {
  const out = new Set<number>();
  const list = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).rejected : undefined;
  if (!Array.isArray(list)) return out;
  for (const r of list as unknown[]) {
    if (r !== null && typeof r === 'object' && typeof (r as Record<string, unknown>).index === 'number') {
      out.add((r as Record<string, number>).index);
    }
  }
  return out;
}

/** Uploads the catalogue with `POST /v1/items` in chunks; throws when the instance refuses it. */
async function uploadCatalogue(endpoint: Endpoint, world: SimWorld, log: (line: string) => void): Promise<void> {
  for (let i = 0; i < world.items.length; i += CATALOGUE_CHUNK) {
    const chunk = world.items.slice(i, i + CATALOGUE_CHUNK);
    const reply = await endpoint.postWithRetry('v1/items', chunk, { maxAttempts: 5 });
    if (reply === undefined || reply.status >= 300) {
      throw new Error(`catalogue upload: POST /v1/items answered ${reply?.status}: ${JSON.stringify(reply?.body)}`);
    }
  }
  log(`catalogue: ${world.items.length} items in ${world.categories.length} categories uploaded`);
}

/**
 * Runs one simulation against `opts.url` for `opts.durationMs`, then lets queued events drain for
 * at most `opts.drainMs`. Progress goes to `sinks.log` once a second; the summary (readable lines
 * and a final JSON line) goes to `sinks.out` and is also returned.
 */
export async function runSimulation(opts: SimulateOptions, sinks: SimulationSinks): Promise<SimulationSummary> {
  const out = sinks.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { log } = sinks;
  const endpoint = new Endpoint(opts.url, opts.apiKey);
  const world = createWorld({ users: opts.users, items: opts.items, categories: opts.categories, seed: opts.seed });
  // Traffic randomness is seeded too, but separately from the world, so the world stays the same
  // whatever the rate or duration.
  const rng = new Rng(opts.seed ^ 0x5eed);
  const behaviour = new Behaviour(world, rng);
  const poolSize = Math.min(world.users.length, Math.max(4, Math.ceil(opts.rate / 3)));
  const pool = new SessionPool(world.users, behaviour, rng, poolSize);
  await uploadCatalogue(endpoint, world, log);

  const maxInFlight = opts.maxInFlight ?? 8;
  const recRate = opts.rate * (opts.recShare ?? 0.1);
  // Back-pressure: when the instance falls behind, stop generating instead of queueing without end.
  const queueCap = Math.max(1000, Math.ceil(opts.rate * 2));
  const hardStop = new AbortController();
  const pending = new Set<Promise<void>>();
  const queue: SimEvent[] = [];
  const sentByUser = new Map<string, number>();
  const postLatency = new LatencyRecorder();
  const recLatency = new LatencyRecorder();
  const taste = new TasteTally();
  const c = { generated: 0, sent: 0, accepted: 0, duplicates: 0, rejected: 0, retries: 0, recRequests: 0, recErrors: 0 };
  let inFlight = 0;
  let recInFlight = 0;
  let lastError = '';

  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const sendBatch = async (batch: SimEvent[]): Promise<void> => {
    inFlight += 1;
    try {
      const reply = await endpoint.postWithRetry('v1/events', batch, {
        signal: hardStop.signal,
        onRetry: () => (c.retries += 1),
        onLatency: (ms) => postLatency.add(ms),
      });
      if (reply === undefined) return; // drain time over: counted as unsent
      c.sent += batch.length;
      if (reply.status === 202 || reply.status === 400) {
        c.accepted += count(reply.body, 'accepted');
        c.duplicates += count(reply.body, 'duplicates');
        const rejected = rejectedIndices(reply.body);
        c.rejected += rejected.size;
        batch.forEach((e, i) => {
          if (!rejected.has(i)) sentByUser.set(e.user_id, (sentByUser.get(e.user_id) ?? 0) + 1);
        });
        if (rejected.size > 0) lastError = `events rejected: ${JSON.stringify(reply.body).slice(0, 300)}`;
      } else {
        c.rejected += batch.length;
        lastError = `POST /v1/events answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`;
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      inFlight -= 1;
    }
  };

  const requestRecs = async (): Promise<void> => {
    const session = pool.randomActive();
    if (session === undefined) return;
    const user = session.user;
    const url = endpoint.url('v1/recommendations', { user_id: user.user_id, k: '10', session_id: session.session_id });
    recInFlight += 1;
    c.recRequests += 1;
    try {
      const reply = await endpoint.request('GET', url, undefined, hardStop.signal);
      recLatency.add(reply.latencyMs);
      const items = reply.status === 200 ? recItems(reply.body) : undefined;
      if (items === undefined) {
        c.recErrors += 1;
        lastError = `GET /v1/recommendations answered ${reply.status}`;
        return;
      }
      behaviour.serve(session, items.map((it) => it.content_id));
      // Only users the service has had a chance to learn from say something about its quality.
      if ((sentByUser.get(user.user_id) ?? 0) < WARM_EVENTS) return;
      const chance = chanceTasteShare(world, user);
      for (const it of items) {
        const category = it.category ?? world.itemById.get(it.content_id)?.category;
        if (category !== undefined) taste.add(isTaste(user, category), chance);
      }
    } catch (error) {
      if (!hardStop.signal.aborted) c.recErrors += 1;
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      recInFlight -= 1;
    }
  };

  const flush = (): void => {
    while (queue.length > 0 && inFlight < maxInFlight) track(sendBatch(queue.splice(0, MAX_BATCH)));
  };

  const start = performance.now();
  const deadline = start + opts.durationMs;
  let last = start;
  let owedEvents = 0;
  let owedRecs = 0;
  const tick = (): void => {
    const now = performance.now();
    const dt = (now - last) / 1000;
    last = now;
    // Owed work is capped at one second's worth, so a stall is not followed by a burst.
    owedEvents = Math.min(owedEvents + opts.rate * dt, Math.max(1, opts.rate));
    for (let guard = 0; owedEvents >= 1 && queue.length < queueCap && guard < 10_000; guard++) {
      const events = pool.next();
      queue.push(...events);
      c.generated += events.length;
      owedEvents -= events.length;
    }
    owedRecs = Math.min(owedRecs + recRate * dt, Math.max(1, recRate));
    while (owedRecs >= 1 && recInFlight < MAX_REC_IN_FLIGHT) {
      owedRecs -= 1;
      track(requestRecs());
    }
    flush();
  };
  const progress = (): void => {
    const elapsed = (performance.now() - start) / 1000;
    const lift = taste.lift === undefined ? 'n/a' : `${round(taste.lift, 2)}x`;
    log(
      `[${Math.round(elapsed)}s] events ${c.sent} sent (${Math.round(c.sent / elapsed)}/s), ${c.accepted} accepted, ` +
        `${c.rejected} rejected, queue ${queue.length} | recs ${c.recRequests} p50 ${round(recLatency.percentile(0.5))} ms ` +
        `p99 ${round(recLatency.percentile(0.99))} ms | taste match ${round(taste.matchRate)} vs chance ` +
        `${round(taste.chanceRate)} (lift ${lift})${lastError === '' ? '' : ` | last error: ${lastError}`}`,
    );
    lastError = '';
  };

  const ticker = setInterval(tick, TICK_MS);
  const reporter = setInterval(progress, 1000);
  try {
    await sleep(opts.durationMs);
    clearInterval(ticker);
    // Drain: deliver what was generated before the deadline, within a bounded grace period.
    const drainUntil = deadline + (opts.drainMs ?? 10_000);
    while ((queue.length > 0 || inFlight > 0) && performance.now() < drainUntil) {
      flush();
      await sleep(TICK_MS);
    }
  } finally {
    clearInterval(ticker);
    clearInterval(reporter);
    hardStop.abort();
    await Promise.allSettled([...pending]);
  }

  const elapsedS = (performance.now() - start) / 1000;
  const summary: SimulationSummary = {
    url: opts.url,
    seed: opts.seed,
    users: opts.users,
    items: opts.items,
    duration_s: round(opts.durationMs / 1000, 3) ?? 0,
    target_rate: opts.rate,
    events_generated: c.generated,
    events_sent: c.sent,
    events_accepted: c.accepted,
    events_duplicates: c.duplicates,
    events_rejected: c.rejected,
    events_unsent: c.generated - c.sent,
    retries: c.retries,
    events_per_sec: round(c.sent / elapsedS, 1),
    post_p50_ms: round(postLatency.percentile(0.5)),
    post_p99_ms: round(postLatency.percentile(0.99)),
    rec_requests: c.recRequests,
    rec_errors: c.recErrors,
    rec_p50_ms: round(recLatency.percentile(0.5)),
    rec_p99_ms: round(recLatency.percentile(0.99)),
    rec_items_scored: taste.served,
    taste_match_rate: round(taste.matchRate, 3),
    taste_chance_rate: round(taste.chanceRate, 3),
    taste_lift: round(taste.lift, 2),
  };
  for (const line of formatSummary(summary)) out(line);
  return summary;
}
