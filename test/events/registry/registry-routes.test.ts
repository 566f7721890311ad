// The registry's REST API through inject: Confluent's paths, bodies, status codes and error_code
// values, its content type, the admin scope for writes, and error messages naming the subject,
// the version and the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { REGISTRY_CONTENT_TYPE } from '../../../src/serving/registry-routes.ts';
import { buildApp } from '../../../src/serving/app.ts';
import { record, registryApp, stubInstance, type RegistryApp } from './registry-app.ts';

const CT = REGISTRY_CONTENT_TYPE;
const id = { name: 'id', type: 'string' };
const v1 = JSON.stringify(record([id]));
const v2 = JSON.stringify(record([id, { name: 'score', type: 'double', default: 0 }]));

let ctx: RegistryApp;
let app: FastifyInstance;
before(async () => {
  ctx = await registryApp({ apiKeys: 'reader:read,writer:write,boss:admin' });
  app = ctx.app;
});
after(() => ctx.close());

const auth = { authorization: 'Bearer boss' };
async function call(method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = auth) {
  const res = await app.inject({ method, url, headers: { ...headers, ...(payload !== undefined && { 'content-type': CT }) }, payload: payload === undefined ? undefined : JSON.stringify(payload) });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.body === '' ? undefined : (JSON.parse(res.body) as any) };
}

/** An error answer: Confluent's fields and eddy's, the message naming each of `names`. */
function assertError(res: { status: number; body: any; type?: unknown }, status: number, errorCode: number, code: string, ...names: (string | RegExp)[]) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.type, CT);
  assert.equal(res.body.error_code, errorCode);
  assert.equal(res.body.code, code);
  assert.equal(res.body.error, res.body.message);
  assert.ok(Array.isArray(res.body.details));
  // The registry's own errors say where in details too (`/subjects/s/versions/2: ...`).
  if (res.body.error_code > 1000 || res.body.error_code === 409) assert.match(res.body.details[0], /^\/(subjects|schemas|config)/);
  for (const name of names) {
    if (typeof name === 'string') assert.ok(res.body.message.includes(name), `${JSON.stringify(res.body.message)} names ${name}`);
    else assert.match(res.body.message, name);
  }
}

describe('subjects and versions', () => {
  it('registers, re-registers, shares ids across subjects, and reads versions back', async () => {
    const first = await call('POST', '/subjects/orders-value/versions', { schema: v1 });
    assert.equal(first.status, 200);
    assert.equal(first.type, CT);
    assert.deepEqual(first.body, { id: 3 });
    assert.deepEqual((await call('POST', '/subjects/orders-value/versions', { schema: JSON.stringify(JSON.parse(v1), null, 2) })).body, { id: 3 }, 'formatting is not identity');
    assert.deepEqual((await call('POST', '/subjects/orders-value/versions', { schema: v2, schemaType: 'AVRO', references: [] })).body, { id: 4 });
    assert.deepEqual((await call('POST', '/subjects/copies-value/versions', { schema: v1 })).body, { id: 3 }, 'the same schema under another subject');

    assert.deepEqual((await call('GET', '/subjects')).body, ['content_catalog-value', 'copies-value', 'orders-value', 'user_interactions-value']);
    assert.deepEqual((await call('GET', '/subjects/orders-value/versions')).body, [1, 2]);
    const latest = { subject: 'orders-value', version: 2, id: 4, schema: v2 };
    assert.deepEqual((await call('GET', '/subjects/orders-value/versions/latest')).body, latest);
    assert.deepEqual((await call('GET', '/subjects/orders-value/versions/-1')).body, latest);
    assert.deepEqual((await call('GET', '/subjects/orders-value/versions/1')).body, { subject: 'orders-value', version: 1, id: 3, schema: v1 });
    const raw = await call('GET', '/subjects/orders-value/versions/2/schema');
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.body, JSON.parse(v2), 'the schema itself, not wrapped');
    assert.deepEqual((await call('GET', '/subjects/orders-value/versions/1', undefined, { authorization: 'Bearer reader' })).body.version, 1, 'reads need read');
  });

  it('looks a schema up under a subject', async () => {
    assert.deepEqual((await call('POST', '/subjects/orders-value', { schema: v1 })).body, { subject: 'orders-value', version: 1, id: 3, schema: v1 });
    assertError(await call('POST', '/subjects/orders-value', { schema: JSON.stringify(record([{ name: 'other', type: 'int' }])) }), 404, 40403, 'EDDY_NOT_FOUND', "subject 'orders-value'");
    assertError(await call('POST', '/subjects/nothing-value', { schema: v1 }), 404, 40401, 'EDDY_NOT_FOUND', "Subject 'nothing-value' not found");
  });

  it('answers 40401, 40402 and 42202 naming the subject and the version', async () => {
    assertError(await call('GET', '/subjects/nothing-value/versions'), 404, 40401, 'EDDY_NOT_FOUND', "'nothing-value'");
    assertError(await call('GET', '/subjects/nothing-value/versions/1'), 404, 40401, 'EDDY_NOT_FOUND', "'nothing-value'");
    assertError(await call('GET', '/subjects/orders-value/versions/7'), 404, 40402, 'EDDY_NOT_FOUND', 'Version 7', "'orders-value'");
    for (const bad of ['0', 'abc', '2147483648', '1.5']) {
      assertError(await call('GET', `/subjects/orders-value/versions/${bad}`), 422, 42202, 'EDDY_INVALID_VERSION', `'${bad}'`, "'orders-value'");
    }
  });

  it('refuses invalid schemas with 42201 naming the subject, the version and the field', async () => {
    const typo = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'ok', type: 'int' }, { name: 'amount', type: 'dubble' }] });
    assertError(await call('POST', '/subjects/orders-value/versions', { schema: typo }), 422, 42201, 'EDDY_INVALID_SCHEMA', "'orders-value'", 'version 3', 'field `amount`', 'dubble');
    const badDefault = JSON.stringify(record([{ name: 'n', type: 'int', default: 'seven' }]));
    assertError(await call('POST', '/subjects/orders-value/versions', { schema: badDefault }), 422, 42201, 'EDDY_INVALID_SCHEMA', 'field `n`');
    assertError(await call('POST', '/subjects/orders-value/versions', { schema: '{"type":' }), 422, 42201, 'EDDY_INVALID_SCHEMA', 'not valid JSON');
    assertError(await call('POST', '/subjects/orders-value/versions', {}), 422, 42201, 'EDDY_INVALID_SCHEMA', 'field `schema`');
    assertError(await call('POST', '/subjects/orders-value/versions', { schema: v1, schemaType: 'PROTOBUF' }), 422, 42201, 'EDDY_INVALID_SCHEMA', 'PROTOBUF');
    assertError(await call('POST', '/subjects/orders-value/versions', { schema: v1, references: [{ name: 'x', subject: 'y', version: 1 }] }), 422, 42201, 'EDDY_INVALID_SCHEMA', 'references');
    const badJson = JSON.stringify({ type: 'object', properties: { age: { type: 'years' } } });
    assertError(await call('POST', '/subjects/people-value/versions', { schema: badJson, schemaType: 'JSON' }), 422, 42201, 'EDDY_INVALID_SCHEMA', "'people-value'", 'field `age`');
    assertError(await call('POST', '/subjects/orders-value/versions', undefined, { ...auth, 'content-type': CT }), 400, 400, 'EDDY_INVALID_BODY');
  });

  it('refuses an incompatible version with 409 naming the subject, the version, the field and the rule', async () => {
    const breaking = JSON.stringify(record([id, { name: 'score', type: 'string', default: '' }]));
    const res = await call('POST', '/subjects/orders-value/versions', { schema: breaking });
    assertError(res, 409, 409, 'EDDY_SCHEMA_INCOMPATIBLE', "subject 'orders-value'", 'version 3', 'version 2, BACKWARD', 'type of `score` changed from double to string');
    assert.match(res.body.details[0], /^\/subjects\/orders-value\/versions\/3: /);
  });
});

describe('schemas by id', () => {
  it('answers the schema of an id, eddy\'s built-in ones included, and where it is used', async () => {
    assert.deepEqual((await call('GET', '/schemas/ids/3')).body, { schema: v1 });
    assert.equal(JSON.parse((await call('GET', '/schemas/ids/1')).body.schema).name, 'InteractionEvent');
    assert.deepEqual((await call('GET', '/schemas/ids/3/versions')).body, [{ subject: 'copies-value', version: 1 }, { subject: 'orders-value', version: 1 }]);
    assert.deepEqual((await call('GET', '/schemas/ids/3/subjects')).body, ['copies-value', 'orders-value']);
    assert.deepEqual((await call('GET', '/schemas/types')).body, ['AVRO', 'JSON']);
    assertError(await call('GET', '/schemas/ids/999'), 404, 40403, 'EDDY_NOT_FOUND', 'Schema 999');
    assertError(await call('GET', '/schemas/ids/x'), 404, 40403, 'EDDY_NOT_FOUND', 'Schema x');
  });

  it('a JSON Schema comes back with its schemaType', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { name: { type: 'string' } } });
    const { body } = await call('POST', '/subjects/people-value/versions', { schema, schemaType: 'JSON' });
    assert.deepEqual((await call('GET', `/schemas/ids/${body.id}`)).body, { schema, schemaType: 'JSON' });
    assert.deepEqual((await call('GET', '/subjects/people-value/versions/1')).body, { subject: 'people-value', version: 1, id: body.id, schema, schemaType: 'JSON' });
  });
});

describe('compatibility checks and levels', () => {
  it('tests a schema against a version, with messages on ?verbose=true', async () => {
    const without = JSON.stringify(record([id, { name: 'extra', type: 'long' }]));
    assert.deepEqual((await call('POST', '/compatibility/subjects/orders-value/versions/latest', { schema: without })).body, { is_compatible: false });
    const verbose = await call('POST', '/compatibility/subjects/orders-value/versions/latest?verbose=true', { schema: without });
    assert.equal(verbose.body.is_compatible, false);
    assert.match(verbose.body.messages[0], /version 2, BACKWARD: field `extra` \(long\) was added without a default/);
    assert.deepEqual((await call('POST', '/compatibility/subjects/orders-value/versions/1?verbose=true', { schema: v2 })).body, { is_compatible: true, messages: [] });
    assert.deepEqual((await call('POST', '/compatibility/subjects/orders-value/versions', { schema: v2 })).body, { is_compatible: true });
    assert.equal((await call('POST', '/compatibility/subjects/orders-value/versions/1', { schema: v1 }, { authorization: 'Bearer reader' })).status, 200);
    assertError(await call('POST', '/compatibility/subjects/nothing-value/versions/latest', { schema: v1 }), 404, 40401, 'EDDY_NOT_FOUND', "'nothing-value'");
    assertError(await call('POST', '/compatibility/subjects/orders-value/versions/9', { schema: v1 }), 404, 40402, 'EDDY_NOT_FOUND', 'Version 9', "'orders-value'");
    assertError(await call('POST', '/compatibility/subjects/orders-value/versions/latest', { schema: 'nope' }), 422, 42201, 'EDDY_INVALID_SCHEMA', "'orders-value'");
  });

  it('reads, sets and removes the global and per-subject levels', async () => {
    assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
    assertError(await call('GET', '/config/orders-value'), 404, 40408, 'EDDY_NOT_FOUND', "'orders-value'");
    assert.deepEqual((await call('GET', '/config/orders-value?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD' });
    assert.deepEqual((await call('PUT', '/config/orders-value', { compatibility: 'full_transitive' })).body, { compatibility: 'FULL_TRANSITIVE' });
    assert.deepEqual((await call('GET', '/config/orders-value')).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
    assert.deepEqual((await call('PUT', '/config', { compatibility: 'NONE' })).body, { compatibility: 'NONE' });
    assert.deepEqual((await call('GET', '/config/copies-value?defaultToGlobal=true')).body, { compatibilityLevel: 'NONE' });
    assertError(await call('PUT', '/config/orders-value', { compatibility: 'SIDEWAYS' }), 422, 42203, 'EDDY_INVALID_COMPATIBILITY', "'SIDEWAYS'", "'orders-value'");
    assertError(await call('PUT', '/config', {}), 422, 42203, 'EDDY_INVALID_COMPATIBILITY');
    assert.deepEqual((await call('DELETE', '/config/orders-value')).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
    assertError(await call('DELETE', '/config/orders-value'), 404, 40408, 'EDDY_NOT_FOUND', "'orders-value'");
    assert.deepEqual((await call('DELETE', '/config')).body, { compatibilityLevel: 'NONE' });
    assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  });
});

describe('deletes', () => {
  it('soft-deletes a version, lists it with ?deleted=true, then deletes it permanently', async () => {
    await call('POST', '/subjects/temp-value/versions', { schema: v1 });
    await call('POST', '/subjects/temp-value/versions', { schema: v2 });
    assertError(await call('DELETE', '/subjects/temp-value/versions/1?permanent=true'), 404, 40407, 'EDDY_NOT_FOUND', "'temp-value'", 'Version 1');
    assert.deepEqual((await call('DELETE', '/subjects/temp-value/versions/1')).body, 1);
    assertError(await call('GET', '/subjects/temp-value/versions/1'), 404, 40402, 'EDDY_NOT_FOUND', 'Version 1', "'temp-value'");
    assert.equal((await call('GET', '/subjects/temp-value/versions/1?deleted=true')).body.id, 3);
    assert.deepEqual((await call('GET', '/subjects/temp-value/versions')).body, [2]);
    assert.deepEqual((await call('GET', '/subjects/temp-value/versions?deleted=true')).body, [1, 2]);
    assertError(await call('DELETE', '/subjects/temp-value/versions/1'), 404, 40406, 'EDDY_NOT_FOUND', "'temp-value'", 'Version 1');
    assert.deepEqual((await call('DELETE', '/subjects/temp-value/versions/1?permanent=true')).body, 1);
    assert.deepEqual((await call('GET', '/subjects/temp-value/versions?deleted=true')).body, [2]);
    assertError(await call('DELETE', '/subjects/temp-value/versions/5'), 404, 40402, 'EDDY_NOT_FOUND', 'Version 5');
  });

  it('soft-deletes a subject, then deletes it permanently; its only id is gone after that', async () => {
    const only = JSON.stringify(record([{ name: 'only_here', type: 'int' }]));
    const { body } = await call('POST', '/subjects/gone-value/versions', { schema: only });
    assertError(await call('DELETE', '/subjects/gone-value?permanent=true'), 404, 40405, 'EDDY_NOT_FOUND', "'gone-value'");
    assert.deepEqual((await call('DELETE', '/subjects/gone-value')).body, [1]);
    assert.ok(!(await call('GET', '/subjects')).body.includes('gone-value'));
    assert.ok((await call('GET', '/subjects?deleted=true')).body.includes('gone-value'));
    assertError(await call('GET', '/subjects/gone-value/versions'), 404, 40401, 'EDDY_NOT_FOUND', "'gone-value'");
    assert.deepEqual((await call('GET', `/schemas/ids/${body.id}`)).body, { schema: only }, 'a soft-deleted version keeps its id readable');
    assertError(await call('DELETE', '/subjects/gone-value'), 404, 40404, 'EDDY_NOT_FOUND', "'gone-value'");
    assert.deepEqual((await call('DELETE', '/subjects/gone-value?permanent=true')).body, [1]);
    assertError(await call('GET', `/schemas/ids/${body.id}`), 404, 40403, 'EDDY_NOT_FOUND', `Schema ${body.id}`);
    assertError(await call('DELETE', '/subjects/gone-value'), 404, 40401, 'EDDY_NOT_FOUND', "'gone-value'");
    assert.deepEqual((await call('POST', '/subjects/gone-value/versions', { schema: only })).body, { id: body.id }, 'the id is the schema\'s for good');
  });
});

describe('access, content types and the OpenAPI document', () => {
  it('writes need admin, reads need read; a Basic header carries the key as its password', async () => {
    const schema = JSON.stringify(record([{ name: 'k', type: 'int' }]));
    const writes: [InjectOptions['method'], string, unknown?][] = [
      ['POST', '/subjects/locked-value/versions', { schema }],
      ['PUT', '/config/locked-value', { compatibility: 'NONE' }],
      ['PUT', '/config', { compatibility: 'NONE' }],
      ['DELETE', '/subjects/orders-value'],
      ['DELETE', '/subjects/orders-value/versions/1'],
      ['DELETE', '/config/orders-value'],
      ['DELETE', '/config'],
    ];
    for (const [method, url, payload] of writes) {
      assertError(await call(method, url, payload, { authorization: 'Bearer reader' }), 403, 403, 'EDDY_FORBIDDEN');
      assertError(await call(method, url, payload, { authorization: 'Bearer writer' }), 403, 403, 'EDDY_FORBIDDEN');
      assertError(await call(method, url, payload, {}), 401, 401, 'EDDY_UNAUTHORIZED');
    }
    for (const url of ['/subjects', '/subjects/orders-value/versions', '/schemas/ids/3', '/config']) {
      assertError(await call('GET', url, undefined, {}), 401, 401, 'EDDY_UNAUTHORIZED');
      assert.equal((await call('GET', url, undefined, { authorization: 'Bearer reader' })).status, 200, url);
    }
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}` });
    assert.equal((await call('POST', '/subjects/locked-value/versions', { schema }, basic('boss'))).status, 200);
    assertError(await call('POST', '/subjects/locked-value/versions', { schema }, basic('reader')), 403, 403, 'EDDY_FORBIDDEN');
    assertError(await call('GET', '/subjects', undefined, basic('wrong')), 401, 401, 'EDDY_UNAUTHORIZED');
  });

  it('takes application/json and Confluent\'s content types, answers in application/vnd.schemaregistry.v1+json', async () => {
    const schema = JSON.stringify(record([{ name: 'c', type: 'int' }]));
    for (const type of ['application/json', 'application/vnd.schemaregistry+json', CT, 'application/octet-stream']) {
      const res = await app.inject({ method: 'POST', url: '/subjects/types-value/versions', headers: { ...auth, 'content-type': type }, payload: JSON.stringify({ schema }) });
      assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
      assert.equal(res.headers['content-type'], CT);
    }
    // Schemas may be longer than eddy's event input limits allow a string to be.
    const long = JSON.stringify(record([{ name: 'd', type: 'string', doc: 'x'.repeat(20_000) }]));
    assert.equal((await call('POST', '/subjects/long-value/versions', { schema: long })).status, 200);
    const text = await app.inject({ method: 'POST', url: '/subjects/types-value/versions', headers: { ...auth, 'content-type': 'text/csv' }, payload: 'a,b' });
    assert.equal(text.statusCode, 415);
    assert.equal(JSON.parse(text.body).code, 'EDDY_INVALID_BODY');
  });

  it('the OpenAPI document lists the registry routes', async () => {
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body);
    for (const path of ['/subjects', '/subjects/{subject}', '/subjects/{subject}/versions', '/subjects/{subject}/versions/{version}', '/subjects/{subject}/versions/{version}/schema', '/schemas/ids/{id}', '/schemas/ids/{id}/versions', '/compatibility/subjects/{subject}/versions/{version}', '/config', '/config/{subject}']) {
      assert.ok(doc.paths[path], path);
    }
    assert.ok(doc.paths['/subjects/{subject}/versions'].post.responses['409']);
    assert.ok(doc.components.schemas.RegistryError.properties.error_code);
  });

  it('without a registry, the registry paths are not served and the rest of the API is unchanged', async () => {
    const plain = buildApp({ instance: stubInstance() });
    try {
      assert.equal((await plain.inject({ method: 'GET', url: '/subjects' })).statusCode, 404);
      assert.equal((await plain.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      const bad = await plain.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: '{' });
      assert.equal(JSON.parse(bad.body).code, 'EDDY_INVALID_BODY', 'eddy\'s own JSON parser still serves the other routes');
    } finally {
      await plain.close();
    }
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/json' }, payload: '{' });
    assert.deepEqual(Object.keys(JSON.parse(res.body)).sort(), ['code', 'details', 'error'], 'eddy\'s error shape outside the registry');
  });
});
