/**
 * The tracker: a bounded queue of events, sent in batches (when a batch is full, or when its
 * oldest event has waited `flushIntervalMs`) by one send loop that retries a failed batch with
 * backoff. Every event carries its `event_id` from `track` on, and a retry sends the same body,
 * so eddy's de-duplication drops a copy that reached it twice (an answer lost after the write).
 */
import { retryDelay } from './backoff.ts';
import { randomId } from './ids.ts';
import { onPageHide } from './page-lifecycle.ts';
import { defaultStorage, Session } from './session.ts';
import { postBatch, type Outcome, type Rejection, type Request } from './transport.ts';
import type { DropReason, TrackEvent, TrackedEvent, Tracker, TrackerOptions, TrackerStats } from './types.ts';

/** A queued event and its place in the order of `track` calls (for `flush`). */
interface Entry {
  readonly seq: number;
  readonly event: TrackedEvent;
}

/**
 * Largest body of the flush on page hide. Browsers cap the bodies of keepalive requests in flight
 * at 64 KiB per page (https://fetch.spec.whatwg.org/#http-network-or-cache-fetch, "keepalive"),
 * and refuse a request beyond it; the rest of the margin is for a keepalive request of a previous
 * hide still in flight.
 */
const KEEPALIVE_BUDGET = 60 * 1024;

type NumberOption = 'batchSize' | 'flushIntervalMs' | 'maxQueue' | 'sessionGapMs' | 'maxRetries' | 'retryBaseMs' | 'retryMaxMs' | 'timeoutMs';

/** An option's value or its default; throws naming the option when it is not a number >= `min`. */
function setting(options: TrackerOptions, name: NumberOption, fallback: number, min: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !(value >= min)) throw new TypeError(`eddy tracker: ${name} must be a number >= ${min}`);
  return value;
}

export function createTracker(options: TrackerOptions): Tracker {
  if (typeof options?.url !== 'string' || options.url === '') throw new TypeError('eddy tracker: url is required');
  const batchSize = setting(options, 'batchSize', 50, 1);
  const flushIntervalMs = setting(options, 'flushIntervalMs', 5000, 0);
  const maxQueue = setting(options, 'maxQueue', 1000, 1);
  const maxRetries = setting(options, 'maxRetries', 8, 0);
  const retryBaseMs = setting(options, 'retryBaseMs', 500, 0);
  const retryMaxMs = setting(options, 'retryMaxMs', 30_000, 0);
  const { userId, onDrop } = options;
  const now = options.now ?? Date.now;
  const session = new Session(setting(options, 'sessionGapMs', 30 * 60_000, 0), options.storage === undefined ? defaultStorage() : options.storage);
  const request: Request = {
    // Bound: a browser's fetch called as a method of another object throws "Illegal invocation".
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    endpoint: `${options.url.replace(/\/+$/, '')}/v1/events`,
    headers: { 'content-type': 'application/json', ...(options.apiKey !== undefined && { authorization: `Bearer ${options.apiKey}` }) },
    timeoutMs: setting(options, 'timeoutMs', 10_000, 0),
    now,
  };

  let queue: Entry[] = [];
  /** The batch the send loop holds, while it is sent and between its attempts. */
  let inflight: Entry[] | undefined;
  /** Whether `inflight` already went out with a flush on page hide. */
  let rescued = false;
  /** Events taken by flushes on page hide whose answer has not come yet. */
  const unloading = new Set<Entry[]>();
  let nextSeq = 0;
  /** Events before this one are due now, however small their batch. */
  let dueSeq = 0;
  let sending = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiters: { readonly target: number; readonly resolve: () => void }[] = [];
  let sent = 0;
  let dropped = 0;
  let retried = 0;

  /** The first event not yet sent or dropped (Infinity when none is left). */
  const firstPending = (): number => {
    let first = Infinity;
    for (const batch of [queue, inflight ?? [], ...unloading]) if (batch.length > 0 && batch[0].seq < first) first = batch[0].seq;
    return first;
  };

  const wakeWaiters = (): void => {
    const first = firstPending();
    waiters = waiters.filter((w) => {
      if (w.target > first) return true;
      w.resolve();
      return false;
    });
  };

  const drop = (entries: readonly Entry[], reason: DropReason, errors?: readonly string[]): void => {
    if (entries.length === 0) return;
    dropped += entries.length;
    try {
      onDrop?.(entries.map((e) => e.event), reason, errors);
    } catch {
      // A failing callback must not stop the tracker.
    }
    wakeWaiters();
  };

  /** Counts a batch eddy answered: the rejected events are dropped, the others were taken. */
  const accept = (batch: readonly Entry[], rejected: readonly Rejection[], offset = 0): void => {
    const refused = new Set<number>();
    for (const { index, errors } of rejected) {
      const entry = batch[index - offset];
      if (entry === undefined || refused.has(index)) continue;
      refused.add(index);
      drop([entry], 'rejected', errors);
    }
    sent += batch.length - refused.size;
  };

  const arm = (): void => {
    if (timer === undefined && queue.length > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        dueSeq = nextSeq;
        void pump();
      }, flushIntervalMs);
    }
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  /** Sends one batch until it is taken, refused, or out of retries. */
  const deliver = async (batch: Entry[]): Promise<void> => {
    const body = JSON.stringify(batch.map((e) => e.event));
    for (let attempt = 0; ; attempt++) {
      const outcome: Outcome = await postBatch(request, body);
      if (outcome.kind === 'done') return accept(batch, outcome.rejected);
      if (outcome.kind === 'too_large' && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await deliver(batch.slice(0, half));
        return deliver(batch.slice(half));
      }
      if (outcome.kind !== 'retry') return drop(batch, 'refused');
      if (attempt >= maxRetries) return drop(batch, 'retries_exhausted');
      retried++;
      await sleep(retryDelay(attempt, retryBaseMs, retryMaxMs, outcome.retryAfterMs));
    }
  };

  /** The send loop: one batch at a time, while a batch is full or events are due. */
  const pump = async (): Promise<void> => {
    if (sending) return;
    sending = true;
    try {
      while (queue.length > 0 && (queue.length >= batchSize || queue[0].seq < dueSeq)) {
        inflight = queue.splice(0, batchSize);
        rescued = false;
        await deliver(inflight);
        inflight = undefined;
        wakeWaiters();
      }
    } finally {
      sending = false;
    }
    arm();
  };

  /**
   * On page hide: what waits goes out at once with `fetch(..., { keepalive: true })`, which outlives
   * the page and, unlike `navigator.sendBeacon`, carries the Authorization header (see the
   * README). The batch the send loop holds goes along, as it may be waiting for a retry that will
   * never come; eddy drops the second copy by its event_id. Without an answer (the page is gone),
   * nothing is counted; with a retryable one (the page came back), the events queue again.
   */
  const flushOnHide = (): void => {
    const encoder = new TextEncoder();
    const parts: string[] = [];
    let bytes = 2;
    const add = (entry: Entry): boolean => {
      const json = JSON.stringify(entry.event);
      const size = encoder.encode(json).length + 1;
      if (bytes + size > KEEPALIVE_BUDGET) return false;
      bytes += size;
      parts.push(json);
      return true;
    };
    const copies = inflight !== undefined && !rescued ? inflight : [];
    let copied = 0;
    while (copied < copies.length && add(copies[copied])) copied++;
    rescued = copied === copies.length;
    const taken: Entry[] = [];
    while (queue.length > 0 && add(queue[0])) taken.push(queue.shift()!);
    if (parts.length === 0) return;
    unloading.add(taken);
    void postBatch(request, `[${parts.join(',')}]`, true).then((outcome) => {
      unloading.delete(taken);
      if (outcome.kind === 'done') accept(taken, outcome.rejected, copied);
      else if (outcome.kind === 'refused') drop(taken, 'refused');
      else {
        queue = [...taken, ...queue];
        if (queue.length > maxQueue) drop(queue.splice(0, queue.length - maxQueue), 'queue_full');
        void pump();
      }
      wakeWaiters();
    });
  };

  const stopWatchingPage = options.pageLifecycle === false ? () => undefined : onPageHide(flushOnHide);

  const flush = (): Promise<void> => {
    const target = nextSeq;
    dueSeq = nextSeq;
    void pump();
    return new Promise<void>((resolve) => {
      waiters.push({ target, resolve });
      wakeWaiters();
    });
  };

  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      stopWatchingPage();
    }
    await flush();
    clearTimeout(timer);
    timer = undefined;
  };

  return {
    track(event: TrackEvent): TrackedEvent {
      const at = now();
      const tracked: TrackedEvent = {
        ...event,
        event_id: event.event_id ?? randomId(),
        user_id: event.user_id ?? userId,
        session_id: event.session_id ?? session.id(at, true),
        timestamp: event.timestamp ?? at,
      };
      const entry: Entry = { seq: nextSeq++, event: tracked };
      if (closed) {
        drop([entry], 'closed');
        return tracked;
      }
      if (queue.length >= maxQueue) drop(queue.splice(0, queue.length - maxQueue + 1), 'queue_full');
      queue.push(entry);
      if (queue.length >= batchSize) void pump();
      else arm();
      return tracked;
    },
    flush,
    close,
    shutdown: close,
    sessionId: () => session.id(now(), false),
    stats(): TrackerStats {
      let queued = queue.length + (inflight?.length ?? 0);
      for (const batch of unloading) queued += batch.length;
      return { sent, dropped, retried, queued };
    },
  };
}
