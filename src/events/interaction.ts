/**
 * The interaction as the pipeline sees it: parsed once from the log record, with numeric event time
 * and the enrichment attached. Immutable after enrichment.
 */
import type { DeviceType, EventType } from './schema.ts';

export interface DeviceCapabilities {
  /** Touch screen (mobile, tablet). */
  readonly touch: boolean;
  /** Rough screen class, for layout-aware ranking. */
  readonly screen: 'small' | 'medium' | 'large';
}

export interface Interaction {
  readonly eventId: string | undefined;
  readonly userId: string;
  readonly sessionId: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly type: EventType;
  readonly contentId: string | undefined;
  readonly device: DeviceType;
  readonly location: string | undefined;
  readonly dwellMs: number | undefined;
  /** When eddy's ingest accepted it (epoch ms, wall clock); absent for events from other producers. */
  readonly ingestedAt: number | undefined;
  /** The request_id of the recommendation list this interaction came from, if any. */
  readonly requestId: string | undefined;
  // ---- enrichment ----
  readonly category: string | undefined;
  /** 0-23, in the user's time zone when known, else UTC. */
  readonly hourOfDay: number;
  /** 0 (Sunday) - 6, same zone as hourOfDay. */
  readonly dayOfWeek: number;
  readonly deviceCaps: DeviceCapabilities;
  /** Coarse user segment labels (e.g. `new`, `engaged`, `mobile_first`). */
  readonly segments: readonly string[];
}

/** How much each interaction type says about interest (a like says more than a view). */
export const INTERACTION_WEIGHT: Readonly<Record<EventType, number>> = {
  view: 1,
  click: 2,
  dwell: 1.5,
  like: 3,
  share: 4,
  session_start: 0,
  session_end: 0,
};

/** Types that mean "the user has consumed this item": it is not recommended to them again. */
export const CONSUMED_TYPES: ReadonlySet<EventType> = new Set(['click', 'like', 'share']);
