/**
 * The synthetic world behind `eddy simulate`: a catalogue whose popularity is Zipf-skewed within
 * each category, and users with a hidden taste (one or two favourite categories). Everything is
 * derived from the seed, so the same seed always gives the same world.
 */
import type { DeviceType } from '../events/schema.ts';
import { Rng, ZipfSampler } from './random.ts';

export const DEFAULT_CATEGORIES = ['sports', 'news', 'tech', 'music', 'film', 'food', 'travel', 'science'] as const;

// Tags per category; categories beyond this table get generic tags.
const TAGS: Record<string, readonly string[]> = {
  sports: ['football', 'tennis', 'cycling', 'basketball', 'olympics'],
  news: ['politics', 'economy', 'world', 'local', 'elections'],
  tech: ['ai', 'gadgets', 'startups', 'security', 'open-source'],
  music: ['rock', 'jazz', 'pop', 'classical', 'concerts'],
  film: ['drama', 'comedy', 'documentary', 'series', 'festivals'],
  food: ['recipes', 'vegan', 'baking', 'restaurants', 'wine'],
  travel: ['city-trips', 'hiking', 'beaches', 'rail', 'budget'],
  science: ['space', 'climate', 'biology', 'physics', 'health'],
};
const WORDS = ['new', 'big', 'quiet', 'best', 'hidden', 'daily', 'future', 'inside', 'simple', 'last'];
const NOUNS = ['guide', 'story', 'review', 'report', 'debate', 'list', 'interview', 'moment', 'secret', 'idea'];
const DEVICES: readonly DeviceType[] = ['mobile', 'mobile', 'mobile', 'desktop', 'desktop', 'tablet', 'tv', 'other'];
const LOCATIONS = ['DE-BE', 'DE-BY', 'DE-HH', 'FR-IDF', 'GB-LND', 'US-CA', 'US-NY', 'ES-MD', 'IT-RM', 'NL-NH'];

/** Zipf exponent: ~1 is what page-view data usually shows. */
const ZIPF_S = 1.1;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** A catalogue item as `POST /v1/items` takes it. */
export interface SimItem {
  content_id: string;
  category: string;
  tags: string[];
  published_at: string;
  title: string;
}

/** One favourite category with its share of the user's attention. */
export interface Taste {
  category: string;
  weight: number;
}

/** A simulated user; `tastes` is hidden from the service and used only to generate and score. */
export interface SimUser {
  user_id: string;
  tastes: Taste[];
  device_type: DeviceType;
  location: string;
}

export interface WorldOptions {
  users: number;
  items: number;
  /** Number of categories (default 8, the names of DEFAULT_CATEGORIES first). */
  categories?: number;
  seed: number;
  /** Wall-clock reference for `published_at` (default now); fixed in tests for determinism. */
  now?: number;
}

/** The generated world plus the lookups the behaviour model needs. */
export interface SimWorld {
  seed: number;
  categories: string[];
  items: SimItem[];
  users: SimUser[];
  /** Items of each category, most popular first (rank 0 is the head of the Zipf curve). */
  byCategory: Map<string, SimItem[]>;
  /** One Zipf sampler per category, over the ranks of `byCategory`. */
  samplers: Map<string, ZipfSampler>;
  itemById: Map<string, SimItem>;
  /** Each category's share of the catalogue, for the "expected by chance" taste rate. */
  categoryShare: Map<string, number>;
}

function categoryNames(count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(DEFAULT_CATEGORIES[i] ?? `category-${i + 1}`);
  return names;
}

function makeTastes(rng: Rng, categories: readonly string[]): Taste[] {
  const first = rng.pick(categories);
  if (categories.length === 1 || rng.chance(0.4)) return [{ category: first, weight: 1 }];
  let second = rng.pick(categories);
  while (second === first) second = rng.pick(categories);
  const w = 0.55 + rng.next() * 0.25;
  return [
    { category: first, weight: w },
    { category: second, weight: 1 - w },
  ];
}

/** Builds a world: `items` items over the categories and `users` users with hidden tastes. */
export function createWorld(options: WorldOptions): SimWorld {
  const { seed } = options;
  const rng = new Rng(seed);
  const now = options.now ?? Date.now();
  const categories = categoryNames(Math.max(1, options.categories ?? DEFAULT_CATEGORIES.length));
  // Ids carry the seed so two runs with different seeds against one instance do not share users.
  const prefix = `s${seed}`;

  const items: SimItem[] = [];
  const byCategory = new Map<string, SimItem[]>(categories.map((c) => [c, []]));
  for (let i = 0; i < options.items; i++) {
    const category = categories[i % categories.length];
    const tags = TAGS[category] ?? ['general', 'misc', 'featured'];
    const tagSet = new Set([rng.pick(tags)]);
    if (rng.chance(0.5)) tagSet.add(rng.pick(tags));
    const item: SimItem = {
      content_id: `${prefix}-c${i + 1}`,
      category,
      tags: [...tagSet],
      published_at: new Date(now - Math.floor(rng.next() * WEEK_MS)).toISOString(),
      title: `The ${rng.pick(WORDS)} ${category} ${rng.pick(NOUNS)} #${i + 1}`,
    };
    items.push(item);
    byCategory.get(category)?.push(item);
  }
  // Popularity rank within a category is a shuffle, so the head item is not always the first id.
  for (const list of byCategory.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
  }

  const users: SimUser[] = [];
  for (let i = 0; i < options.users; i++) {
    users.push({
      user_id: `${prefix}-u${i + 1}`,
      tastes: makeTastes(rng, categories),
      device_type: rng.pick(DEVICES),
      location: rng.pick(LOCATIONS),
    });
  }

  const samplers = new Map<string, ZipfSampler>();
  const categoryShare = new Map<string, number>();
  for (const [category, list] of byCategory) {
    samplers.set(category, new ZipfSampler(Math.max(1, list.length), ZIPF_S));
    categoryShare.set(category, items.length === 0 ? 0 : list.length / items.length);
  }
  const itemById = new Map(items.map((it) => [it.content_id, it]));
  return { seed, categories, items, users, byCategory, samplers, itemById, categoryShare };
}

/** Whether `category` is one of the user's hidden favourites. */
export function isTaste(user: SimUser, category: string | undefined): boolean {
  return category !== undefined && user.tastes.some((t) => t.category === category);
}

/** The share of the catalogue in the user's taste categories: the taste-match rate of chance. */
export function chanceTasteShare(world: SimWorld, user: SimUser): number {
  let share = 0;
  for (const t of user.tastes) share += world.categoryShare.get(t.category) ?? 0;
  return share;
}

/** Draws a popular-biased item of one category (Zipf over its popularity ranks). */
export function sampleItem(world: SimWorld, category: string, rng: Rng): SimItem | undefined {
  const list = world.byCategory.get(category);
  const sampler = world.samplers.get(category);
  if (list === undefined || sampler === undefined || list.length === 0) return undefined;
  return list[sampler.sample(rng)];
}
