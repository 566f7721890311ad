/**
 * API keys with scopes (`EDDY_API_KEYS="k1:write,k2:read+write,k3:admin"`). Without keys every
 * request is allowed, and `eddy start` refuses to listen on anything but loopback (see the CLI).
 * A presented key is compared with every configured key in constant time: SHA-256 digests of
 * equal length through `timingSafeEqual`, all of them, so the answer's timing says nothing about
 * how much of a key was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EddyError } from '../errors.ts';

export type Scope = 'read' | 'write' | 'admin';

/** Parses `key:scope+scope,...`; throws EDDY_CONFIG_INVALID naming the bad entry (`/apiKeys`). */
export function parseApiKeys(spec: string | undefined): Map<string, Set<Scope>> {
  const keys = new Map<string, Set<Scope>>();
  if (spec === undefined || spec.trim() === '') return keys;
  for (const [i, entry] of spec.split(',').entries()) {
    const [key, scopes] = entry.trim().split(':');
    // Names the entry by position: its text would be the key itself, a secret.
    if (!key || !scopes) throw invalidKeys(`entry ${i + 1} must look like key:read+write`);
    const set = new Set<Scope>();
    for (const s of scopes.split('+')) {
      if (s !== 'read' && s !== 'write' && s !== 'admin') throw invalidKeys(`unknown scope "${s}" (read, write, admin)`);
      set.add(s);
    }
    keys.set(key, set);
  }
  return keys;
}

function invalidKeys(problem: string): EddyError {
  return new EddyError('EDDY_CONFIG_INVALID', { message: `EDDY_API_KEYS / --api-keys: ${problem}`, details: [`/apiKeys: ${problem}`] });
}

/** Checks a request's `Authorization: Bearer KEY` header against the scope the route needs. */
export function authorize(keys: ReadonlyMap<string, ReadonlySet<Scope>>, header: string | undefined, needed: Scope): void {
  if (keys.size === 0) return;
  const scopes = matchKey(keys, header)?.scopes;
  if (scopes === undefined) throw new EddyError('EDDY_UNAUTHORIZED');
  if (!scopes.has(needed) && !scopes.has('admin')) throw new EddyError('EDDY_FORBIDDEN', { details: [`needs scope ${needed}`] });
}

/** A configured key as requests are checked against it. */
export interface KeyEntry {
  /** Hex SHA-256 of the key: names it (rate-limit buckets) without holding the key itself. */
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly digest: Buffer;
}

/** Digests per key map, computed once (the maps are built at start-up and not changed). */
const digested = new WeakMap<ReadonlyMap<string, ReadonlySet<Scope>>, readonly KeyEntry[]>();

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The configured key a `Bearer` header carries, or undefined; compares with every key in constant time. */
export function matchKey(keys: ReadonlyMap<string, ReadonlySet<Scope>>, header: string | undefined): KeyEntry | undefined {
  let entries = digested.get(keys);
  if (entries === undefined) {
    entries = [...keys].map(([key, scopes]) => {
      const digest = sha256(key);
      return { id: digest.toString('hex'), scopes, digest };
    });
    digested.set(keys, entries);
  }
  const presented = sha256(header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
  let found: KeyEntry | undefined;
  for (const entry of entries) {
    // No early exit: every configured key is compared, whichever matches.
    const equal = timingSafeEqual(entry.digest, presented);
    if (equal && found === undefined) found = entry;
  }
  // Without a Bearer header the empty string was compared, which is never a key (see parseApiKeys).
  return found;
}
