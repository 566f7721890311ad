/**
 * The set of open sessions. Traffic is drawn one step at a time from a random open session, and a
 * finished session frees its user and makes room for a new session of a random idle user, so the
 * number of concurrently active users stays roughly constant.
 */
import type { Behaviour, Session, SimEvent } from './behaviour.ts';
import type { Rng } from './random.ts';
import type { SimUser } from './world.ts';

export class SessionPool {
  private readonly active: Session[] = [];
  private readonly idle: SimUser[];

  /** `size` is the number of users with an open session at any time (at most all users). */
  constructor(
    users: readonly SimUser[],
    private readonly behaviour: Behaviour,
    private readonly rng: Rng,
    private readonly size: number,
  ) {
    this.idle = [...users];
  }

  /** The next events of the traffic: a session start, or one step of an open session. */
  next(): SimEvent[] {
    // Sessions open gradually rather than all in the first batch, as users arrive over time.
    const room = this.active.length < this.size && this.idle.length > 0;
    if (room && (this.active.length === 0 || this.rng.chance(0.3))) {
      const user = this.takeIdle();
      const { session, events } = this.behaviour.startSession(user);
      this.active.push(session);
      return events;
    }
    if (this.active.length === 0) return [];
    const index = this.rng.int(this.active.length);
    const session = this.active[index];
    const events = this.behaviour.step(session);
    if (session.ended) {
      // Swap-remove: order of the active list does not matter.
      this.active[index] = this.active[this.active.length - 1];
      this.active.pop();
      this.idle.push(session.user);
    }
    return events;
  }

  /** A random open session (to request recommendations for), if any. */
  randomActive(): Session | undefined {
    return this.active.length === 0 ? undefined : this.rng.pick(this.active);
  }

  private takeIdle(): SimUser {
    const i = this.rng.int(this.idle.length);
    const user = this.idle[i];
    this.idle[i] = this.idle[this.idle.length - 1];
    this.idle.pop();
    return user;
  }
}
