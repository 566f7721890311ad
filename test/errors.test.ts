import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS } from '../src/errors.ts';

test('docs/API.md lists every error code with its status, and no other', () => {
  const doc = readFileSync(new URL('../docs/API.md', import.meta.url), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(EDDY_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS)) assert.equal(documented.get(code), spec.status, code);
});
