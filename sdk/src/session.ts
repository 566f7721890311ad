/**
 * The session id: kept in memory and, where there is Web Storage, in localStorage (else
 * sessionStorage), so that a reload or a second tab of the same site goes on with the same
 * session. A session ends after `gapMs` without an event; the next event starts a new one.
 */
import { randomId } from './ids.ts';
import type { SessionStorageLike } from './types.ts';

const KEY = 'eddy.session';

interface Stored {
  readonly id: string;
  /** Time of the last event, epoch ms. */
  readonly last: number;
}

export class Session {
  private state: Stored | undefined;

  constructor(
    private readonly gapMs: number,
    private readonly storage: SessionStorageLike | null,
  ) {}

  /** The session id at `now`; `touch` counts `now` as activity (an event), which extends the session. */
  id(now: number, touch: boolean): string {
    const state = this.read() ?? this.state;
    if (state !== undefined && now - state.last <= this.gapMs) {
      if (touch) this.write({ id: state.id, last: Math.max(now, state.last) });
      return state.id;
    }
    const id = randomId();
    this.write({ id, last: now });
    return id;
  }

  private read(): Stored | undefined {
    try {
      const raw = this.storage?.getItem(KEY);
      if (raw == null) return undefined;
      const parsed = JSON.parse(raw) as Partial<Stored>;
      return typeof parsed.id === 'string' && typeof parsed.last === 'number' ? { id: parsed.id, last: parsed.last } : undefined;
    } catch {
      return undefined;
    }
  }

  private write(state: Stored): void {
    this.state = state;
    try {
      this.storage?.setItem(KEY, JSON.stringify(state));
    } catch {
      // Storage full or refused (private mode, sandboxed frame): memory still holds the session.
    }
  }
}

/**
 * In a browser localStorage, else sessionStorage; elsewhere (Node) null, memory only. Touching
 * either may throw where storage is refused.
 */
export function defaultStorage(): SessionStorageLike | null {
  if (typeof document === 'undefined') return null;
  for (const name of ['localStorage', 'sessionStorage'] as const) {
    try {
      const storage = (globalThis as { [key: string]: unknown })[name] as SessionStorageLike | undefined;
      if (storage != null && typeof storage.getItem === 'function') return storage;
    } catch {
      // A SecurityError on access: try the next one.
    }
  }
  return null;
}
