// Shared by the feature units' tests: the personalization topology under the synchronous
// TopologyTestDriver (no log, no broker), records in, a unit's state and reported value out.
// Values are read at the processor's stream time, as the features API reads them.
import type { EventType } from '../../src/events/schema.ts';
import { itemFeatureValues, type ItemFeatureValues, type ItemState } from '../../src/features/item-features.ts';
import type { UserFeature, StatePrimitive } from '../../src/features/user/feature.ts';
import type { UserState } from '../../src/features/user-features.ts';
import { partitionFor } from '../../src/log/partitioner.ts';
import { PersonalizationProcessor } from '../../src/pipeline/personalization-processor.ts';
import { topicNames } from '../../src/pipeline/topics.ts';
import { TopologyTestDriver, type TestRecord } from '../../src/stream/test-driver.ts';

export const topics = topicNames();
const PARTITIONS = 2;
/** Event time of the scenarios' first event. */
export const T0 = Date.UTC(2026, 10, 28, 10);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
const assigned = [topics.interactions, topics.contentClicks, topics.catalog].flatMap((topic) => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));

export type Driver = TopologyTestDriver<PersonalizationProcessor>;

/** An embedded topology (item updates applied in place) whose wall clock is a day after T0. */
export function openTopology(): Driver {
  return new TopologyTestDriver((clock) => new PersonalizationProcessor({ topics, partitions: PARTITIONS, local: true, now: clock, wallClock: clock }), {
    partitions: assigned,
    wallClock: T0 + 24 * HOUR,
  });
}

export interface Interaction {
  readonly at: number;
  readonly type?: EventType;
  readonly user?: string;
  readonly item?: string | null;
  readonly session?: string;
  readonly dwellMs?: number;
}

let sequence = 0;

/** A user_interactions record, on the user's partition. */
export function interaction({ at, type = 'click', user = 'u1', item = 'c1', session = `s-${user}`, dwellMs }: Interaction): TestRecord {
  const value = {
    event_id: `e${++sequence}`,
    user_id: user,
    session_id: session,
    timestamp: at,
    event_type: type,
    ...(item !== null && { content_id: item }),
    ...(dwellMs !== undefined && { dwell_ms: dwellMs }),
  };
  return { topic: topics.interactions, key: user, value, partition: partitionFor(user, PARTITIONS) };
}

/** content_catalog records: item -> category. */
export function catalogue(categories: Record<string, string>): TestRecord[] {
  return Object.entries(categories).map(([id, category]) => ({ topic: topics.catalog, key: id, value: { content_id: id, category }, partition: partitionFor(id, PARTITIONS) }));
}

/** Moves stream time to `at` with an interaction of a user and an item the scenario does not read. */
export function moveStreamTime(driver: Driver, at: number): void {
  driver.pipe(interaction({ at, type: 'view', user: 'clock-user', item: 'clock-item' }));
}

export function itemState(driver: Driver, id = 'c1'): ItemState | undefined {
  return driver.processor.items.get(id);
}

/** What `GET /v1/items/:id/features` reports for the item, at stream time. */
export function itemValues(driver: Driver, id = 'c1'): ItemFeatureValues | undefined {
  const state = itemState(driver, id);
  return state === undefined ? undefined : itemFeatureValues(state, driver.processor.streamTime());
}

export function userState(driver: Driver, id = 'u1'): UserState | undefined {
  return driver.processor.users.get(id);
}

/** A user feature's reported value, at stream time. */
export function userValue<S extends StatePrimitive>(driver: Driver, feature: UserFeature<S>, id = 'u1'): unknown {
  const state = userState(driver, id);
  return state === undefined ? undefined : feature.value(state.of(feature), driver.processor.streamTime(), state.config);
}

/** Commits, then crashes and restarts: the new driver's processor holds what the commit held. */
export function commitAndRestart(driver: Driver): Driver {
  driver.commit();
  return driver.restart();
}
