/**
 * The user's current gap-based session (ARCHITECTURE.md, "session (gap-based)" windows) as a state
 * primitive: its id, first and last event time, and running sums; a new id, or the same one after
 * more than the inactivity gap, starts it over.
 */
import { ByteReader, ByteWriter } from './bytes.ts';

export interface SessionSums {
  id: string;
  start: number;
  end: number;
  events: number;
  dwellMs: number;
  weight: number;
}

export class SessionSlot {
  current: SessionSums | null = null;

  constructor(readonly gapMs: number) {}

  /** Adds an event to the open session, or opens a new one; returns the session it is in. */
  observe(sessionId: string, ts: number): SessionSums {
    const s = this.current;
    const same = s !== null && s.id === sessionId && ts - s.end <= this.gapMs;
    if (!same) this.current = { id: sessionId, start: ts, end: ts, events: 0, dwellMs: 0, weight: 0 };
    const open = this.current!;
    open.start = Math.min(open.start, ts);
    open.end = Math.max(open.end, ts);
    open.events++;
    return open;
  }

  sizeBytes(): number {
    return this.current === null ? 16 : 2 * this.current.id.length + 96;
  }

  encode(w: ByteWriter): void {
    const s = this.current;
    if (s === null) {
      w.uint(0);
      return;
    }
    w.uint(1).string(s.id).f64(s.start).f64(s.end).uint(s.events).f64(s.dwellMs).f64(s.weight);
  }

  static decode(r: ByteReader, gapMs: number): SessionSlot {
    const slot = new SessionSlot(gapMs);
    if (r.uint() === 1) slot.current = { id: r.string(), start: r.f64(), end: r.f64(), events: r.uint(), dwellMs: r.f64(), weight: r.f64() };
    return slot;
  }

  toJSON(): SessionSums | null {
    return this.current;
  }
}
