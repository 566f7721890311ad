// Compatibility levels x schema changes, accepted or refused as Confluent documents them
// (https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html):
//
//   level                 changes allowed                        checked against
//   BACKWARD              delete fields, add optional fields     the latest version
//   BACKWARD_TRANSITIVE   delete fields, add optional fields     all versions
//   FORWARD               add fields, delete optional fields     the latest version
//   FORWARD_TRANSITIVE    add fields, delete optional fields     all versions
//   FULL                  add and delete optional fields         the latest version
//   FULL_TRANSITIVE       add and delete optional fields         all versions
//   NONE                  everything                             nothing
//
// plus Avro's resolution rules for the rest: a type change that is no promotion breaks both
// directions, int to long is a promotion for readers of the new schema only, and an alias on the
// renamed field lets the new schema read the old name (the old schema has no alias for the new).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPATIBILITY_LEVELS, RegistryError, SchemaRegistry, type CompatibilityLevel } from '../../../src/events/registry/index.ts';
import { record } from './registry-app.ts';

const id = { name: 'id', type: 'string' };

interface Change {
  readonly name: string;
  readonly before: object[];
  readonly after: object[];
  /** The field a refusal must name. */
  readonly field: string;
  /** Accepted under each level, in the order of LEVELS. */
  readonly accepted: Readonly<Record<CompatibilityLevel, boolean>>;
}

const row = (b: boolean, bt: boolean, f: boolean, ft: boolean, full: boolean, fullT: boolean, none: boolean) => ({
  BACKWARD: b,
  BACKWARD_TRANSITIVE: bt,
  FORWARD: f,
  FORWARD_TRANSITIVE: ft,
  FULL: full,
  FULL_TRANSITIVE: fullT,
  NONE: none,
});

// prettier-ignore
const CHANGES: readonly Change[] = [
  //                                                                                                                                       B      B_T    F      F_T    FULL   FULL_T NONE
  { name: 'add a field with a default',      before: [id],                                          after: [id, { name: 'score', type: 'double', default: 0 }], field: 'score', accepted: row(true,  true,  true,  true,  true,  true,  true) },
  { name: 'add a field without a default',   before: [id],                                          after: [id, { name: 'score', type: 'double' }],             field: 'score', accepted: row(false, false, true,  true,  false, false, true) },
  { name: 'remove a field with a default',   before: [id, { name: 'score', type: 'double', default: 0 }], after: [id],                                      field: 'score', accepted: row(true,  true,  true,  true,  true,  true,  true) },
  { name: 'remove a field without a default', before: [id, { name: 'score', type: 'double' }],       after: [id],                                          field: 'score', accepted: row(true,  true,  false, false, false, false, true) },
  { name: 'change a type string to int',     before: [id, { name: 'x', type: 'string' }],           after: [id, { name: 'x', type: 'int' }],                    field: 'x',     accepted: row(false, false, false, false, false, false, true) },
  { name: 'promote int to long',             before: [id, { name: 'x', type: 'int' }],              after: [id, { name: 'x', type: 'long' }],                   field: 'x',     accepted: row(true,  true,  false, false, false, false, true) },
  { name: 'rename a field with an alias',    before: [id, { name: 'x', type: 'string' }],           after: [id, { name: 'y', type: 'string', aliases: ['x'] }], field: 'x',     accepted: row(true,  true,  false, false, false, false, true) },
];

/** Registers `versions` in order under a fresh subject at `level`; the outcome of the last one. */
async function registerAll(level: CompatibilityLevel, versions: readonly object[][]): Promise<{ ok: true } | { ok: false; error: RegistryError }> {
  const registry = await SchemaRegistry.open();
  try {
    await registry.setLevel('s-value', level);
    for (const fields of versions.slice(0, -1)) await registry.register('s-value', { schema: JSON.stringify(record(fields)) });
    const last = { schema: JSON.stringify(record(versions.at(-1)!)) };
    const predicted = registry.testCompatibility('s-value', 'latest', last);
    try {
      await registry.register('s-value', last);
      assert.equal(predicted.isCompatible, true, 'the compatibility check predicts the registration');
      return { ok: true };
    } catch (error) {
      assert.ok(error instanceof RegistryError, String(error));
      assert.equal(predicted.isCompatible, false, 'the compatibility check predicts the refusal');
      assert.deepEqual(predicted.messages.map((m) => `/subjects/s-value/versions/${versions.length}: ${m}`), error.details);
      return { ok: false, error };
    }
  } finally {
    await registry.close();
  }
}

describe('the compatibility matrix (Avro)', () => {
  for (const change of CHANGES) {
    for (const level of COMPATIBILITY_LEVELS) {
      const expected = change.accepted[level];
      it(`${level}: ${change.name} is ${expected ? 'accepted' : 'refused'}`, async () => {
        const outcome = await registerAll(level, [change.before, change.after]);
        assert.equal(outcome.ok, expected);
        if (!outcome.ok) {
          const { error } = outcome;
          assert.equal(error.code, 'EDDY_SCHEMA_INCOMPATIBLE');
          assert.equal(error.errorCode, 409);
          assert.match(error.message, /subject 's-value'/);
          assert.match(error.message, new RegExp(`version 1, ${level}: `), 'names the version and the level');
          assert.match(error.message, new RegExp(`\`${change.field}\``), 'names the field');
        }
      });
    }
  }

  it('the messages say which field breaks which rule', async () => {
    const added = await registerAll('BACKWARD', [[id], [id, { name: 'score', type: 'double' }]]);
    assert.ok(!added.ok);
    assert.match(added.error.message, /field `score` \(double\) was added without a default: readers of the new schema cannot read records of version 1/);
    const changed = await registerAll('FULL', [[id, { name: 'x', type: 'string' }], [id, { name: 'x', type: 'int' }]]);
    assert.ok(!changed.ok);
    assert.match(changed.error.message, /type of `x` changed from string to int/);
    assert.equal(changed.error.details.length, 2, 'FULL: one problem per direction');
    const removed = await registerAll('FORWARD', [[id, { name: 'score', type: 'double' }], [id]]);
    assert.ok(!removed.ok);
    assert.match(removed.error.message, /field `score` \(double\) was removed, and has no default in version 1: readers of version 1 cannot read records of the new schema/);
    const nested = await registerAll('BACKWARD', [
      [id, { name: 'address', type: record([{ name: 'city', type: 'string' }], 'Address') }],
      [id, { name: 'address', type: record([{ name: 'city', type: 'string' }, { name: 'zip', type: 'string' }], 'Address') }],
    ]);
    assert.ok(!nested.ok);
    assert.match(nested.error.message, /field `address.zip` \(string\) was added without a default/);
    const union = await registerAll('BACKWARD', [[id, { name: 'x', type: ['null', 'string'], default: null }], [id, { name: 'x', type: 'string' }]]);
    assert.ok(!union.ok);
    assert.match(union.error.message, /type of `x` changed from union \[null, string\] to string/);
    const enumLost = await registerAll('BACKWARD', [
      [id, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } }],
      [id, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A'] } }],
    ]);
    assert.ok(!enumLost.ok);
    assert.match(enumLost.error.message, /enum `kind` lost the symbols B/);
  });
});

describe('transitive levels check every live version, the others only the latest', () => {
  // v1 has `a` as a string; v2 drops it; v3 brings it back as an int (with a default).
  const backward = [[id, { name: 'a', type: 'string' }], [id], [id, { name: 'a', type: 'int', default: 0 }]];
  // v1 has `a` with a default; v2 drops it; v3 adds it back as an int, without a default.
  const forward = [[id, { name: 'a', type: 'string', default: '' }], [id], [id, { name: 'a', type: 'int' }]];
  // Both: `a` with a default, dropped, back as an int with a default.
  const full = [[id, { name: 'a', type: 'string', default: '' }], [id], [id, { name: 'a', type: 'int', default: 0 }]];
  for (const [level, versions, accepted] of [
    ['BACKWARD', backward, true],
    ['BACKWARD_TRANSITIVE', backward, false],
    ['FORWARD', forward, true],
    ['FORWARD_TRANSITIVE', forward, false],
    ['FULL', full, true],
    ['FULL_TRANSITIVE', full, false],
  ] as const) {
    it(`${level}: v3 is ${accepted ? 'accepted (v2 is all it is checked against)' : 'refused because of v1'}`, async () => {
      const outcome = await registerAll(level, versions as unknown as object[][]);
      assert.equal(outcome.ok, accepted);
      if (!outcome.ok) {
        assert.match(outcome.error.message, new RegExp(`version 1, ${level}: type of \`a\` changed`));
        assert.doesNotMatch(outcome.error.message, /version 2,/);
      }
    });
  }

  it('a soft-deleted version is not checked against', async () => {
    const registry = await SchemaRegistry.open();
    await registry.setLevel('s-value', 'BACKWARD_TRANSITIVE');
    await registry.register('s-value', { schema: JSON.stringify(record([id, { name: 'a', type: 'string' }])) });
    await registry.register('s-value', { schema: JSON.stringify(record([id])) });
    await registry.deleteVersion('s-value', 1);
    await registry.register('s-value', { schema: JSON.stringify(record([id, { name: 'a', type: 'int', default: 0 }])) });
    assert.deepEqual(registry.versions('s-value'), [2, 3]);
    await registry.close();
  });
});

describe('JSON Schema rules (docs/API.md)', () => {
  const object = (properties: object, extra: object = {}) => JSON.stringify({ type: 'object', properties, ...extra });
  const cases: readonly { name: string; before: string; after: string; backward: boolean; forward: boolean; message?: RegExp }[] = [
    { name: 'an optional property added', before: object({ a: { type: 'string' } }), after: object({ a: { type: 'string' }, b: { type: 'number' } }), backward: true, forward: true },
    { name: 'a required property added', before: object({ a: { type: 'string' } }), after: object({ a: { type: 'string' }, b: { type: 'number' } }, { required: ['b'] }), backward: false, forward: true, message: /property `b` is required by the new schema but not by version 1/ },
    { name: 'a property removed while additionalProperties is false', before: object({ a: { type: 'string' }, b: { type: 'number' } }, { additionalProperties: false }), after: object({ a: { type: 'string' } }, { additionalProperties: false }), backward: false, forward: true, message: /property `b` is not declared by the new schema, whose additionalProperties is false/ },
    { name: 'a property removed from an open object', before: object({ a: { type: 'string' }, b: { type: 'number' } }), after: object({ a: { type: 'string' } }), backward: true, forward: true },
    { name: 'a type narrowed', before: object({ a: { type: ['string', 'number'] } }), after: object({ a: { type: 'string' } }), backward: false, forward: true, message: /type of `a` changed from string\|number to string, narrowing it/ },
    { name: 'integer widened to number', before: object({ n: { type: 'integer' } }), after: object({ n: { type: 'number' } }), backward: true, forward: false, message: /type of `n` changed from integer to number/ },
    { name: 'an enum value dropped', before: object({ k: { enum: ['a', 'b'] } }), after: object({ k: { enum: ['a'] } }), backward: false, forward: true, message: /enum of `k` in the new schema lacks "b"/ },
    { name: 'a nested required property', before: object({ o: { type: 'object', properties: {} } }), after: object({ o: { type: 'object', properties: { z: { type: 'string' } }, required: ['z'] } }), backward: false, forward: true, message: /property `o.z` is required/ },
  ];
  for (const c of cases) {
    for (const [level, expected] of [['BACKWARD', c.backward], ['FORWARD', c.forward], ['FULL', c.backward && c.forward], ['NONE', true]] as const) {
      it(`${level}: ${c.name} is ${expected ? 'accepted' : 'refused'}`, async () => {
        const registry = await SchemaRegistry.open();
        await registry.setLevel('j-value', level);
        await registry.register('j-value', { schemaType: 'JSON', schema: c.before });
        const outcome = await registry.register('j-value', { schemaType: 'JSON', schema: c.after }).then(
          () => undefined,
          (error: unknown) => error as RegistryError,
        );
        assert.equal(outcome === undefined, expected, outcome?.message);
        if (outcome !== undefined && c.message !== undefined && level === 'BACKWARD') assert.match(outcome.message, c.message);
        if (outcome !== undefined) assert.match(outcome.message, /subject 'j-value'.*version 1, /);
        await registry.close();
      });
    }
  }

  it('a subject does not change its schemaType under a checked level', async () => {
    const registry = await SchemaRegistry.open();
    await registry.register('m-value', { schema: JSON.stringify(record([id])) });
    await assert.rejects(registry.register('m-value', { schemaType: 'JSON', schema: object({}) }), /schemaType changed from AVRO to JSON/);
    await registry.close();
  });
});
