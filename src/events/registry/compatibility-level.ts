/**
 * Confluent's compatibility levels: which earlier versions a new version is checked against
 * (the latest one, or every one for *_TRANSITIVE) and in which direction (BACKWARD: the new schema
 * reads data written with the earlier one; FORWARD: the earlier one reads data of the new; FULL:
 * both). https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html
 */
import { invalidCompatibility } from './registry-errors.ts';

export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Confluent's default, and the registry's until `PUT /config` says otherwise. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** Who must be able to read whom: `backward` = the new schema reads old data, `forward` = old schemas read new data. */
export type Direction = 'backward' | 'forward';

export interface CompatibilityRule {
  readonly directions: readonly Direction[];
  /** Checked against every live version, not only the latest. */
  readonly transitive: boolean;
}

const RULES: Readonly<Record<CompatibilityLevel, CompatibilityRule>> = {
  BACKWARD: { directions: ['backward'], transitive: false },
  BACKWARD_TRANSITIVE: { directions: ['backward'], transitive: true },
  FORWARD: { directions: ['forward'], transitive: false },
  FORWARD_TRANSITIVE: { directions: ['forward'], transitive: true },
  FULL: { directions: ['backward', 'forward'], transitive: false },
  FULL_TRANSITIVE: { directions: ['backward', 'forward'], transitive: true },
  NONE: { directions: [], transitive: false },
};

export function ruleOf(level: CompatibilityLevel): CompatibilityRule {
  return RULES[level];
}

/** A level as clients send it (Confluent accepts any letter case); 42203 naming the value otherwise. */
export function parseCompatibility(value: unknown, subject: string | null): CompatibilityLevel {
  const level = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (level !== undefined && (COMPATIBILITY_LEVELS as readonly string[]).includes(level)) return level as CompatibilityLevel;
  throw invalidCompatibility(value, subject);
}
