/**
 * @eddy/tracker: sends interaction events to eddy's `POST /v1/events` from browsers and Node 20+,
 * in batches, with retries, sessions and a flush when the page goes away. No dependencies.
 */
export { createTracker } from './tracker.ts';
export type { DeviceType, DropReason, EventType, SessionStorageLike, TrackEvent, TrackedEvent, Tracker, TrackerOptions, TrackerStats } from './types.ts';
