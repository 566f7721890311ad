/**
 * Enrichment: turns a validated event into an Interaction with context signals (time of day and
 * day of week in the user's zone, device capabilities, the item's category from the catalogue,
 * segment labels). Pure: the catalogue and the user's segments are passed in.
 */
import type { DeviceType, InteractionEvent } from './schema.ts';
import type { DeviceCapabilities, Interaction } from './interaction.ts';
import { toEpochMs } from './validate.ts';

const DEVICE_CAPS: Readonly<Record<DeviceType, DeviceCapabilities>> = {
  mobile: { touch: true, screen: 'small' },
  tablet: { touch: true, screen: 'medium' },
  desktop: { touch: false, screen: 'large' },
  tv: { touch: false, screen: 'large' },
  other: { touch: false, screen: 'medium' },
};

// Intl formatters are expensive to build: one per zone, reused.
const zoneFormatters = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormatter(zone: string): Intl.DateTimeFormat | null {
  let f = zoneFormatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
    } catch {
      f = null; // unknown zone: fall back to UTC
    }
    if (zoneFormatters.size < 1000) zoneFormatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Hour of day and day of week of `ts` in `zone` (UTC when the zone is absent or unknown). */
export function localTime(ts: number, zone: string | undefined): { hour: number; day: number } {
  const f = zone ? zoneFormatter(zone) : null;
  if (f === null) {
    const d = new Date(ts);
    return { hour: d.getUTCHours(), day: d.getUTCDay() };
  }
  let hour = 0;
  let day = 0;
  for (const part of f.formatToParts(ts)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
  }
  return { hour, day };
}

export interface EnrichContext {
  /** Category of an item from the catalogue, if known. */
  categoryOf(contentId: string): string | undefined;
  /** Segment labels of the user, from their state. */
  segmentsOf?(userId: string): readonly string[];
}

/** Builds the pipeline's Interaction from a validated event. */
export function enrich(event: InteractionEvent & { ingested_at?: number; request_id?: string }, context: EnrichContext): Interaction {
  const ts = toEpochMs(event.timestamp)!;
  const device = event.device_type ?? 'other';
  const { hour, day } = localTime(ts, event.timezone);
  const requestId = event.request_id ?? (event.properties?.request_id as string | undefined);
  return {
    eventId: event.event_id,
    userId: event.user_id,
    sessionId: event.session_id,
    ts,
    type: event.event_type,
    contentId: event.content_id,
    device,
    location: event.location,
    dwellMs: event.dwell_ms,
    ingestedAt: event.ingested_at,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    category: event.content_id === undefined ? undefined : context.categoryOf(event.content_id),
    hourOfDay: hour,
    dayOfWeek: day,
    deviceCaps: DEVICE_CAPS[device],
    segments: context.segmentsOf?.(event.user_id) ?? [],
  };
}
