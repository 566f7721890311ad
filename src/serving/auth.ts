/**
 * API keys with scopes (`EDDY_API_KEYS="k1:write,k2:read+write,k3:admin"`). Without keys every
 * request is allowed, and the server binds to loopback only (see the CLI).
 */
import { EddyError } from '../errors.ts';

export type Scope = 'read' | 'write' | 'admin';

/** Parses `key:scope+scope,...`; throws naming the bad entry. */
export function parseApiKeys(spec: string | undefined): Map<string, Set<Scope>> {
  const keys = new Map<string, Set<Scope>>();
  if (spec === undefined || spec.trim() === '') return keys;
  for (const entry of spec.split(',')) {
    const [key, scopes] = entry.trim().split(':');
    if (!key || !scopes) throw new Error(`EDDY_API_KEYS: "${entry}" must look like key:read+write`);
    const set = new Set<Scope>();
    for (const s of scopes.split('+')) {
      if (s !== 'read' && s !== 'write' && s !== 'admin') throw new Error(`EDDY_API_KEYS: unknown scope "${s}" (read, write, admin)`);
      set.add(s);
    }
    keys.set(key, set);
  }
  return keys;
}

/** Checks a request's `Authorization: Bearer KEY` header against the scope the route needs. */
export function authorize(keys: ReadonlyMap<string, ReadonlySet<Scope>>, header: string | undefined, needed: Scope): void {
  if (keys.size === 0) return;
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const scopes = key === undefined ? undefined : keys.get(key);
  if (scopes === undefined) throw new EddyError('EDDY_UNAUTHORIZED');
  if (!scopes.has(needed) && !scopes.has('admin')) throw new EddyError('EDDY_FORBIDDEN', { details: [`needs scope ${needed}`] });
}
