/**
 * The traffic engine shared by `eddy simulate` and `eddy simulate --ramp`: session events from the
 * simulated users at a target rate (changeable while running), recommendation requests for active
 * users at a share of that rate, what is served fed back into the users' behaviour, and a tally of
 * what happened that the caller can take and replace at any time (per ramp step).
 */
import type { SimulateOptions } from './args.ts';
import { Behaviour, type SimEvent } from './behaviour.ts';
import { Endpoint, sleep } from './http.ts';
import { SessionPool } from './pool.ts';
import { Rng } from './random.ts';
import { LatencyRecorder, TasteTally } from './stats.ts';
import { chanceTasteShare, createWorld, isTaste, type SimWorld } from './world.ts';

const TICK_MS = 25;
const CATALOGUE_CHUNK = 500;
const MAX_BATCH = 500;
/** Users need this many events delivered before their recommendations count for the taste match. */
const WARM_EVENTS = 5;

/** Failed attempts by kind, POST and GET together (a POST retried three times counts three). */
export interface FailureCounts {
  /** 5xx answers other than 503. */
  server5xx: number;
  /** 429 and 503 answers: the instance asked the client to slow down. */
  overloaded: number;
  /** Network errors and timeouts: no answer at all. */
  network: number;
}

/** What happened since the tally was installed; rates divide by `elapsedMs()`. */
export class TrafficTally {
  generated = 0;
  /** Events in batches the instance answered (accepted, duplicate or rejected). */
  sent = 0;
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  retries = 0;
  /** GET /v1/recommendations started, answered (any status), and failed (no usable answer). */
  recRequests = 0;
  recAnswered = 0;
  recErrors = 0;
  readonly failures: FailureCounts = { server5xx: 0, overloaded: 0, network: 0 };
  /** Every answered POST attempt, retried ones included. */
  readonly postLatency = new LatencyRecorder();
  readonly recLatency = new LatencyRecorder();
  readonly taste = new TasteTally();
  private readonly started = performance.now();

  /** Requests that got an answer or failed on the network, POST attempts and GETs together. */
  get attempts(): number {
    return this.postLatency.count + this.recLatency.count + this.failures.network;
  }

  /** Failed attempts (5xx, 429/503, network) over all attempts; undefined without attempts. */
  get errorRate(): number | undefined {
    const f = this.failures;
    return this.attempts === 0 ? undefined : (f.server5xx + f.overloaded + f.network) / this.attempts;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Counts one failed attempt: an HTTP status, or undefined for a network error. */
  countFailure(status: number | undefined): void {
    if (status === undefined) this.failures.network += 1;
    else if (status === 429 || status === 503) this.failures.overloaded += 1;
    else if (status >= 500) this.failures.server5xx += 1;
  }
}

/** How the traffic is shaped; `rate` can be changed later with `setRate`. */
export interface TrafficOptions {
  /** Target events per second. */
  rate: number;
  /** Recommendation requests as a share of the event rate. */
  recShare: number;
  /** Concurrent POST /v1/events requests. */
  maxInFlight: number;
  /** Concurrent GET /v1/recommendations requests. */
  maxRecInFlight: number;
  /** Users with an open session at any time. */
  poolSize: number;
}

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
export async function uploadCatalogue(endpoint: Endpoint, world: SimWorld, log: (line: string) => void): Promise<void> {
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
 * Builds the world of `opts` (users, catalogue, seeded behaviour), uploads the catalogue to
 * `opts.url` and returns traffic ready to `start`. The pool of open sessions is sized for
 * `peakRate` (about three events per second per open session).
 */
export async function prepareTraffic(
  opts: SimulateOptions,
  shape: { rate: number; peakRate: number; maxInFlight: number; maxRecInFlight: number },
  log: (line: string) => void,
): Promise<{ endpoint: Endpoint; world: SimWorld; traffic: Traffic }> {
  const endpoint = new Endpoint(opts.url, opts.apiKey);
  const world = createWorld({ users: opts.users, items: opts.items, categories: opts.categories, seed: opts.seed });
  // Traffic randomness is seeded too, but separately from the world, so the world stays the same
  // whatever the rate or duration.
  const rng = new Rng(opts.seed ^ 0x5eed);
  await uploadCatalogue(endpoint, world, log);
  const poolSize = Math.min(world.users.length, Math.max(4, Math.ceil(shape.peakRate / 3)));
  const traffic = new Traffic(endpoint, world, rng, { ...shape, recShare: opts.recShare ?? 0.1, poolSize });
  return { endpoint, world, traffic };
}

/** Generates and sends the traffic; see the file comment. */
export class Traffic {
  private readonly behaviour: Behaviour;
  private readonly pool: SessionPool;
  private readonly hardStop = new AbortController();
  private readonly pending = new Set<Promise<void>>();
  private readonly queue: SimEvent[] = [];
  private readonly sentByUser = new Map<string, number>();
  private current = new TrafficTally();
  private rate = 0;
  private queueCap = 1000;
  private inFlight = 0;
  private recInFlight = 0;
  private ticker: NodeJS.Timeout | undefined;
  private last = 0;
  private owedEvents = 0;
  private owedRecs = 0;
  private lastError = '';

  constructor(
    private readonly endpoint: Endpoint,
    private readonly world: SimWorld,
    rng: Rng,
    private readonly options: TrafficOptions,
  ) {
    this.behaviour = new Behaviour(world, rng);
    this.pool = new SessionPool(world.users, this.behaviour, rng, options.poolSize);
    this.setRate(options.rate);
  }

  /** The signal that aborts every request when the traffic is closed. */
  get signal(): AbortSignal {
    return this.hardStop.signal;
  }

  /** The tally being filled. */
  get tally(): TrafficTally {
    return this.current;
  }

  /** Events generated but not yet handed to a POST. */
  get queued(): number {
    return this.queue.length;
  }

  /** Changes the target event rate (the recommendation rate follows by `recShare`). */
  setRate(rate: number): void {
    this.rate = rate;
    // Back-pressure: when the instance falls behind, stop generating instead of queueing without end.
    this.queueCap = Math.max(1000, Math.ceil(rate * 2));
  }

  /** Returns the tally so far and starts a fresh one. */
  takeTally(): TrafficTally {
    const taken = this.current;
    this.current = new TrafficTally();
    return taken;
  }

  /** The last error seen since the previous call ('' if none). */
  takeLastError(): string {
    const error = this.lastError;
    this.lastError = '';
    return error;
  }

  /** Starts generating and sending traffic. */
  start(): void {
    if (this.ticker !== undefined) return;
    this.last = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops generating; what is queued or in flight stays there (see `drain`). */
  stopGenerating(): void {
    clearInterval(this.ticker);
  }

  /** Keeps delivering queued and in-flight events until none are left or `until` (performance.now()). */
  async drain(until: number): Promise<void> {
    while ((this.queue.length > 0 || this.inFlight > 0) && performance.now() < until) {
      this.flush();
      await sleep(TICK_MS);
    }
  }

  /** Stops generating, aborts whatever is still in flight and waits for it to settle. */
  async close(): Promise<void> {
    this.stopGenerating();
    this.hardStop.abort();
    await Promise.allSettled([...this.pending]);
  }

  private tick(): void {
    const now = performance.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    const tally = this.current;
    // Owed work is capped at one second's worth, so a stall is not followed by a burst.
    this.owedEvents = Math.min(this.owedEvents + this.rate * dt, Math.max(1, this.rate));
    for (let guard = 0; this.owedEvents >= 1 && this.queue.length < this.queueCap && guard < 10_000; guard++) {
      const events = this.pool.next();
      this.queue.push(...events);
      tally.generated += events.length;
      this.owedEvents -= events.length;
    }
    const recRate = this.rate * this.options.recShare;
    this.owedRecs = Math.min(this.owedRecs + recRate * dt, Math.max(1, recRate));
    while (this.owedRecs >= 1 && this.recInFlight < this.options.maxRecInFlight) {
      this.owedRecs -= 1;
      this.track(this.requestRecs());
    }
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) this.track(this.sendBatch(this.queue.splice(0, MAX_BATCH)));
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async sendBatch(batch: SimEvent[]): Promise<void> {
    this.inFlight += 1;
    try {
      const reply = await this.endpoint.postWithRetry('v1/events', batch, {
        signal: this.hardStop.signal,
        onRetry: (_reason, status) => {
          this.current.retries += 1;
          this.current.countFailure(status);
        },
        onLatency: (ms) => this.current.postLatency.add(ms),
      });
      if (reply === undefined) return; // drain time over: counted as unsent
      const tally = this.current;
      tally.sent += batch.length;
      if (reply.status === 202 || reply.status === 400) {
        tally.accepted += count(reply.body, 'accepted');
        tally.duplicates += count(reply.body, 'duplicates');
        const rejected = rejectedIndices(reply.body);
        tally.rejected += rejected.size;
        batch.forEach((e, i) => {
          if (!rejected.has(i)) this.sentByUser.set(e.user_id, (this.sentByUser.get(e.user_id) ?? 0) + 1);
        });
        if (rejected.size > 0) this.lastError = `events rejected: ${JSON.stringify(reply.body).slice(0, 300)}`;
      } else {
        tally.rejected += batch.length;
        this.lastError = `POST /v1/events answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`;
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async requestRecs(): Promise<void> {
    const session = this.pool.randomActive();
    if (session === undefined) return;
    const user = session.user;
    const url = this.endpoint.url('v1/recommendations', { user_id: user.user_id, k: '10', session_id: session.session_id });
    this.recInFlight += 1;
    this.current.recRequests += 1;
    try {
      const reply = await this.endpoint.request('GET', url, undefined, this.hardStop.signal);
      const tally = this.current;
      tally.recAnswered += 1;
      tally.recLatency.add(reply.latencyMs);
      const items = reply.status === 200 ? recItems(reply.body) : undefined;
      if (items === undefined) {
        tally.recErrors += 1;
        tally.countFailure(reply.status);
        this.lastError = `GET /v1/recommendations answered ${reply.status}`;
        return;
      }
      this.behaviour.serve(session, items.map((it) => it.content_id));
      // Only users the service has had a chance to learn from say something about its quality.
      if ((this.sentByUser.get(user.user_id) ?? 0) < WARM_EVENTS) return;
      const chance = chanceTasteShare(this.world, user);
      for (const it of items) {
        const category = it.category ?? this.world.itemById.get(it.content_id)?.category;
        if (category !== undefined) tally.taste.add(isTaste(user, category), chance);
      }
    } catch (error) {
      if (!this.hardStop.signal.aborted) {
        this.current.recErrors += 1;
        this.current.countFailure(undefined);
      }
      this.lastError = error instanceof Error ? error.message : String(error);
    } finally {
      this.recInFlight -= 1;
    }
  }
}
