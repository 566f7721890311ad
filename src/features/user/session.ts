/** The current session: duration, event count and an engagement score. */
import { INTERACTION_WEIGHT } from '../../events/interaction.ts';
import { SessionSlot, type SessionSums } from '../../stream/state/session-slot.ts';
import { userFeature } from './feature.ts';

export const session = userFeature({
  name: 'session',
  init: ({ config }) => new SessionSlot(config.sessionGapMs),
  decode: (r, { config }) => SessionSlot.decode(r, config.sessionGapMs),
  update(slot, e) {
    const s = slot.observe(e.sessionId, e.ts);
    s.dwellMs += e.dwellMs ?? 0;
    s.weight += INTERACTION_WEIGHT[e.type];
  },
  value(slot) {
    const s = slot.current;
    if (s === null) return null;
    return { session_id: s.id, duration_ms: s.end - s.start, events: s.events, engagement_score: engagementScore(s) };
  },
});

/**
 * Engagement in [0, 1): grows with interaction weight (likes and shares count more than views),
 * dwell time and session length, with diminishing returns so that no single signal dominates.
 */
export function engagementScore(s: SessionSums): number {
  const raw = s.weight + s.dwellMs / 30_000 + (s.end - s.start) / 300_000;
  return Math.round((1 - Math.exp(-raw / 10)) * 1e4) / 1e4;
}
