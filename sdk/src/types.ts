/** The tracker's public types: the event it sends (eddy's schema version 1) and its options. */

export type EventType = 'view' | 'click' | 'like' | 'share' | 'dwell' | 'session_start' | 'session_end';
export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'other';

/** An event as `track` takes it: the tracker fills `event_id`, `timestamp` and `session_id` when absent. */
export interface TrackEvent {
  event_type: EventType;
  /** Required by eddy; may come from the `userId` option instead. */
  user_id?: string;
  /** Required for content events (view, click, like, share, dwell). */
  content_id?: string;
  event_id?: string;
  session_id?: string;
  /** RFC 3339 string or epoch milliseconds. */
  timestamp?: string | number;
  device_type?: DeviceType;
  /** ISO 3166 code, e.g. `DE` or `DE-BE`. */
  location?: string;
  dwell_ms?: number;
  /** IANA time zone of the user. */
  timezone?: string;
  properties?: Record<string, unknown>;
}

/** An event as sent: the ids and the time are filled in. */
export interface TrackedEvent extends TrackEvent {
  event_id: string;
  session_id: string;
  timestamp: string | number;
}

/** Why events were given up: see the README's table. */
export type DropReason = 'queue_full' | 'rejected' | 'refused' | 'retries_exhausted' | 'closed';

/** The part of the Web Storage interface the session needs (localStorage, sessionStorage, or your own). */
export interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface TrackerOptions {
  /** Base URL of eddy, e.g. `https://eddy.example`; events go to `<url>/v1/events`. */
  url: string;
  /** Sent as `Authorization: Bearer KEY` (a key with the `write` scope). */
  apiKey?: string;
  /** Default `user_id` of events that carry none. */
  userId?: string;
  /** Events per request; a full batch is sent at once. Default 50. */
  batchSize?: number;
  /** Longest time an event waits for its batch to fill, ms. Default 5000. */
  flushIntervalMs?: number;
  /** Most events waiting to be sent; beyond it the oldest are dropped. Default 1000. */
  maxQueue?: number;
  /** A session ends after this long without an event, ms. Default 30 min. */
  sessionGapMs?: number;
  /** Attempts after the first before a batch is given up. Default 8. */
  maxRetries?: number;
  /** First backoff step, ms (doubled per attempt, full jitter). Default 500. */
  retryBaseMs?: number;
  /** Longest backoff step, ms (a server's Retry-After may ask for longer). Default 30000. */
  retryMaxMs?: number;
  /** A request without an answer after this long counts as a network error, ms. Default 10000. */
  timeoutMs?: number;
  /** Called with the events given up and why (`errors`: eddy's reasons for a rejected event). */
  onDrop?: (events: readonly TrackedEvent[], reason: DropReason, errors?: readonly string[]) => void;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Where the session survives a reload; `null` for memory only. Default localStorage, else sessionStorage, else memory. */
  storage?: SessionStorageLike | null;
  /** Flush on `visibilitychange` to hidden and `pagehide`. Default true where there is a document. */
  pageLifecycle?: boolean;
  /** The clock (epoch ms) for timestamps, sessions and Retry-After dates; for tests. Default `Date.now`. */
  now?: () => number;
}

export interface TrackerStats {
  /** Events eddy took (accepted or already known by their event_id). */
  readonly sent: number;
  /** Events given up (see `onDrop`). */
  readonly dropped: number;
  /** Requests sent again after a failure. */
  readonly retried: number;
  /** Events waiting or being sent. */
  readonly queued: number;
}

export interface Tracker {
  /** Queues an event; returns it as it will be sent. */
  track(event: TrackEvent): TrackedEvent;
  /** Sends everything queued so far; resolves once each of those events is sent or dropped. */
  flush(): Promise<void>;
  /** Flushes, then stops: later `track` calls drop their event (reason `closed`). */
  close(): Promise<void>;
  /** Same as `close`. */
  shutdown(): Promise<void>;
  /** The current session id (a new one when the gap has passed). */
  sessionId(): string;
  stats(): TrackerStats;
}
