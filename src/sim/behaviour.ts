/**
 * How a simulated user behaves in a session: views mostly from their taste categories (popular
 * items more likely, some exploration elsewhere), clicks taste items more often, sometimes likes or
 * shares, and dwells. Users also react to what the service recommends to them: part of their next
 * views come from the last recommendations served, and they click those matching their taste, which
 * closes the feedback loop the way real users do.
 */
import type { InteractionEvent } from '../events/schema.ts';
import type { Rng } from './random.ts';
import { isTaste, sampleItem, type SimItem, type SimUser, type SimWorld } from './world.ts';

/** Probabilities of the behaviour model; the defaults aim at plausible rather than exact figures. */
export interface BehaviourOptions {
  /** Share of views outside the user's taste categories. */
  explore: number;
  /** Chance that a view is taken from the last recommendations, when there are some. */
  followRecs: number;
  clickTaste: number;
  clickOther: number;
  likeTaste: number;
  likeOther: number;
  shareTaste: number;
  minViews: number;
  maxViews: number;
}

export const DEFAULT_BEHAVIOUR: BehaviourOptions = {
  explore: 0.15,
  followRecs: 0.35,
  clickTaste: 0.45,
  clickOther: 0.08,
  likeTaste: 0.15,
  likeOther: 0.02,
  shareTaste: 0.04,
  minViews: 3,
  maxViews: 12,
};

/** Behaviour options plus the run's identity and clock. */
export interface BehaviourSettings extends Partial<BehaviourOptions> {
  /**
   * Part of every session id (default: derived from the start time), so a second run with the same
   * seed against the same instance is not swallowed as duplicates of the first.
   */
  runId?: string;
  /** Wall-clock time stamped on events (default Date.now). */
  clock?: () => number;
}

/** The event shape the simulator sends: a v1 event that always carries an id and a string time. */
export type SimEvent = InteractionEvent & { event_id: string; timestamp: string };

/** One user's open session. */
export interface Session {
  readonly user: SimUser;
  readonly session_id: string;
  viewsLeft: number;
  ended: boolean;
  /** Ids viewed in this session, so a user does not view the same item twice in a row of views. */
  readonly viewed: Set<string>;
  /** The last recommendations served to this user, best first; consumed as the user follows them. */
  recs: string[];
  seq: number;
}

/**
 * Generates events for sessions step by step, so recommendations served between steps can change
 * what the user does next.
 */
export class Behaviour {
  private sessions = 0;
  private readonly options: BehaviourOptions;
  private readonly clock: () => number;
  private readonly runId: string;

  constructor(
    private readonly world: SimWorld,
    private readonly rng: Rng,
    settings: BehaviourSettings = {},
  ) {
    const { runId, clock, ...options } = settings;
    this.options = { ...DEFAULT_BEHAVIOUR, ...options };
    this.clock = clock ?? Date.now;
    this.runId = runId ?? this.clock().toString(36);
  }

  /** Opens a session for `user`; returns it with its `session_start` event. */
  startSession(user: SimUser): { session: Session; events: SimEvent[] } {
    this.sessions += 1;
    const { minViews, maxViews } = this.options;
    const session: Session = {
      user,
      session_id: `${user.user_id}-${this.runId}-${this.sessions}`,
      viewsLeft: minViews + this.rng.int(maxViews - minViews + 1),
      ended: false,
      viewed: new Set(),
      recs: [],
      seq: 0,
    };
    return { session, events: [this.event(session, 'session_start')] };
  }

  /** Records recommendations just served to the session's user (ids, best first). */
  serve(session: Session, contentIds: readonly string[]): void {
    session.recs = contentIds.filter((id) => this.world.itemById.has(id) && !session.viewed.has(id));
  }

  /**
   * The next step of a session: one view with whatever follows it (click, dwell, like, share), or
   * `session_end` once the session has used up its views (then `session.ended` is true).
   */
  step(session: Session): SimEvent[] {
    if (session.ended) return [];
    if (session.viewsLeft <= 0) {
      session.ended = true;
      return [this.event(session, 'session_end')];
    }
    session.viewsLeft -= 1;
    const fromRecs = session.recs.length > 0 && this.rng.chance(this.options.followRecs);
    const item = fromRecs ? this.takeRecommended(session) : this.chooseItem(session);
    if (item === undefined) return [];
    session.viewed.add(item.content_id);
    return this.react(session, item, fromRecs);
  }

  private react(session: Session, item: SimItem, fromRecs: boolean): SimEvent[] {
    const o = this.options;
    const taste = isTaste(session.user, item.category);
    const events = [this.event(session, 'view', item)];
    // A recommendation that matches the taste is a little more tempting than a browsed item.
    const pClick = taste ? Math.min(0.95, o.clickTaste * (fromRecs ? 1.3 : 1)) : o.clickOther;
    if (!this.rng.chance(pClick)) return events;
    events.push(this.event(session, 'click', item));
    // Dwell times are long-tailed; readers stay longer on what they like.
    const dwell = Math.round(this.rng.logNormal(taste ? 45_000 : 8_000, 0.7));
    events.push(this.event(session, 'dwell', item, Math.min(dwell, 30 * 60_000)));
    if (this.rng.chance(taste ? o.likeTaste : o.likeOther)) events.push(this.event(session, 'like', item));
    if (taste && this.rng.chance(o.shareTaste)) events.push(this.event(session, 'share', item));
    return events;
  }

  /** Picks from the served list with a position bias, and a preference for the user's taste. */
  private takeRecommended(session: Session): SimItem | undefined {
    const weights = session.recs.map((id, pos) => {
      const item = this.world.itemById.get(id);
      return (1 / (pos + 1)) * (isTaste(session.user, item?.category) ? 3 : 1);
    });
    const index = this.rng.weighted(weights);
    const [id] = session.recs.splice(index, 1);
    return this.world.itemById.get(id) ?? this.chooseItem(session);
  }

  /** Browsing: a taste category by weight (or, sometimes, another one), then a Zipf-popular item. */
  private chooseItem(session: Session): SimItem | undefined {
    const { tastes } = session.user;
    const others = this.world.categories.filter((c) => !isTaste(session.user, c));
    let category: string;
    if (others.length > 0 && this.rng.chance(this.options.explore)) category = this.rng.pick(others);
    else category = tastes[this.rng.weighted(tastes.map((t) => t.weight))].category;
    let item = sampleItem(this.world, category, this.rng);
    // A few redraws avoid repeats within a session without looping on tiny categories.
    for (let i = 0; i < 3 && item !== undefined && session.viewed.has(item.content_id); i++) {
      item = sampleItem(this.world, category, this.rng);
    }
    return item;
  }

  private event(session: Session, type: SimEvent['event_type'], item?: SimItem, dwellMs?: number): SimEvent {
    session.seq += 1;
    const event: SimEvent = {
      event_id: `${session.session_id}-e${session.seq}`,
      user_id: session.user.user_id,
      session_id: session.session_id,
      timestamp: new Date(this.clock()).toISOString(),
      event_type: type,
      device_type: session.user.device_type,
      location: session.user.location,
    };
    if (item !== undefined) event.content_id = item.content_id;
    if (dwellMs !== undefined) event.dwell_ms = dwellMs;
    return event;
  }
}
