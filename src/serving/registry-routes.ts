/**
 * The schema registry's REST API: the subset of Confluent Schema Registry's that its serializers
 * and clients (`@kafkajs/confluent-schema-registry`) use, at the same paths, with the same bodies,
 * status codes and `{error_code, message}` errors (plus eddy's `code`, `error` and `details`), in
 * `application/vnd.schemaregistry.v1+json`. https://docs.confluent.io/platform/current/schema-registry/develop/api.html
 *
 * Reads need the `read` scope, writes `admin`. Confluent clients send credentials as HTTP Basic
 * (`basic.auth.user.info`), so a Basic header is taken as the API key in its password.
 * A plugin of its own (encapsulated): its body parsers (schemas are JSON strings longer than the
 * event input limits allow) and its error shape apply to these routes only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EddyError, ERRORS, type ErrorCode } from '../errors.ts';
import { parseVersionRef, RegistryError, type SchemaInput, type SchemaRegistry, type VersionView } from '../events/registry/index.ts';
import { authorize, type Scope } from './auth.ts';

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const REQUEST_CONTENT_TYPES = [REGISTRY_CONTENT_TYPE, 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream'];

export interface RegistryRoutesOptions {
  readonly registry: SchemaRegistry;
  readonly apiKeys: ReadonlyMap<string, ReadonlySet<Scope>>;
}

type Params = { subject: string; version: string; id: string };
type Query = Record<string, string | undefined>;
type Route = { Params: Params; Querystring: Query; Body: unknown };
type Request = FastifyRequest<Route>;

const flag = (value: string | undefined) => value === 'true';

/** A Basic header as the Bearer header of the key in its password (`user:key`, or the key alone). */
export function bearerOf(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return header;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  return `Bearer ${decoded.slice(decoded.indexOf(':') + 1)}`;
}

/** A version as Confluent answers it: `schemaType` only when it is not AVRO. */
const versionBody = (v: VersionView) => ({ subject: v.subject, version: v.version, id: v.id, schema: v.schema, ...(v.schemaType !== 'AVRO' && { schemaType: v.schemaType }) });

const schemaInput = (body: unknown): SchemaInput => (body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as SchemaInput) : {});

function schemaId(raw: string): number {
  const id = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id > 0xffffffff) throw new RegistryError('EDDY_NOT_FOUND', 40403, `Schema ${raw} not found.`, [`/schemas/ids/${raw}: is not a schema id`]);
  return id;
}

export async function registryRoutes(app: FastifyInstance, options: RegistryRoutesOptions): Promise<void> {
  const { registry, apiKeys } = options;
  const guard = (scope: Scope) => async (request: FastifyRequest) => authorize(apiKeys, bearerOf(request.headers.authorization), scope);
  // A registry other instances write to: a read first takes in what they registered (a producer
  // registers on one instance, its consumer asks another for the id a moment later).
  const fresh = async () => {
    if (registry.shared) await registry.catchUp();
  };
  const read = { onRequest: guard('read'), preHandler: fresh };
  const admin = { onRequest: guard('admin') };

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(REQUEST_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new EddyError('EDDY_INVALID_BODY', { details: [`/: ${(error as Error).message}`] }));
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-type', REGISTRY_CONTENT_TYPE);
    return payload;
  });
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));

  // Subjects and versions
  app.get<Route>('/subjects', read, async (request) => registry.subjects(flag(request.query.deleted)));
  app.get<Route>('/subjects/:subject/versions', read, async (request) => registry.versions(request.params.subject, flag(request.query.deleted)));
  app.get<Route>('/subjects/:subject/versions/:version', read, async (request) => {
    const { subject, version } = request.params;
    return versionBody(registry.version(subject, parseVersionRef(subject, version), flag(request.query.deleted)));
  });
  app.get<Route>('/subjects/:subject/versions/:version/schema', read, async (request, reply) => {
    const { subject, version } = request.params;
    return reply.send(registry.version(subject, parseVersionRef(subject, version), flag(request.query.deleted)).schema);
  });
  app.post<Route>('/subjects/:subject/versions', admin, async (request) => {
    const { id } = await registry.register(request.params.subject, schemaInput(request.body));
    return { id };
  });
  app.post<Route>('/subjects/:subject', read, async (request) => versionBody(registry.lookup(request.params.subject, schemaInput(request.body), flag(request.query.deleted))));
  app.delete<Route>('/subjects/:subject', admin, async (request) => registry.deleteSubject(request.params.subject, flag(request.query.permanent)));
  app.delete<Route>('/subjects/:subject/versions/:version', admin, async (request) => {
    const { subject, version } = request.params;
    return registry.deleteVersion(subject, parseVersionRef(subject, version), flag(request.query.permanent));
  });

  // Schemas by global id
  app.get<Route>('/schemas/types', read, async () => ['AVRO', 'JSON']);
  app.get<Route>('/schemas/ids/:id', read, async (request) => {
    const schema = registry.schemaById(schemaId(request.params.id));
    return { schema: schema.schema, ...(schema.schemaType !== 'AVRO' && { schemaType: schema.schemaType }) };
  });
  app.get<Route>('/schemas/ids/:id/versions', read, async (request) => registry.versionsOfId(schemaId(request.params.id), flag(request.query.deleted)));
  app.get<Route>('/schemas/ids/:id/subjects', read, async (request) => [
    ...new Set(registry.versionsOfId(schemaId(request.params.id), flag(request.query.deleted)).map((v) => v.subject)),
  ]);

  // Compatibility
  const compatibility = async (request: Request) => {
    const { subject, version } = request.params;
    const result = registry.testCompatibility(subject, parseVersionRef(subject, version ?? 'latest'), schemaInput(request.body));
    return { is_compatible: result.isCompatible, ...(flag(request.query.verbose) && { messages: result.messages }) };
  };
  app.post<Route>('/compatibility/subjects/:subject/versions/:version', read, (request) => compatibility(request));
  app.post<Route>('/compatibility/subjects/:subject/versions', read, (request) => compatibility(request));

  // Compatibility levels
  const levelOf = (body: unknown) => (body as { compatibility?: unknown; compatibilityLevel?: unknown } | null)?.compatibility ?? (body as { compatibilityLevel?: unknown } | null)?.compatibilityLevel;
  app.get<Route>('/config', read, async () => ({ compatibilityLevel: registry.level(null) }));
  app.put<Route>('/config', admin, async (request) => ({ compatibility: await registry.setLevel(null, levelOf(request.body)) }));
  app.delete<Route>('/config', admin, async () => ({ compatibilityLevel: await registry.deleteLevel(null) }));
  app.get<Route>('/config/:subject', read, async (request) => ({ compatibilityLevel: registry.level(request.params.subject, flag(request.query.defaultToGlobal)) }));
  app.put<Route>('/config/:subject', admin, async (request) => ({ compatibility: await registry.setLevel(request.params.subject, levelOf(request.body)) }));
  app.delete<Route>('/config/:subject', admin, async (request) => ({ compatibilityLevel: await registry.deleteLevel(request.params.subject) }));
}

/** Confluent's error body with eddy's fields beside it; Confluent's `error_code` is the HTTP status for errors it has no code of its own for. */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  let eddy: EddyError;
  if (error instanceof EddyError) eddy = error;
  else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') eddy = new EddyError('EDDY_BODY_TOO_LARGE');
  else if (error.statusCode !== undefined && error.statusCode < 500) eddy = new EddyError('EDDY_INVALID_BODY', { message: error.message });
  else {
    request.log.error(error);
    eddy = new EddyError('EDDY_INTERNAL');
  }
  if (eddy.retryAfterSec !== undefined) reply.header('Retry-After', String(eddy.retryAfterSec));
  const status = eddy.code === 'EDDY_INVALID_BODY' && error.statusCode === 415 ? 415 : eddy.status;
  const errorCode = eddy instanceof RegistryError ? eddy.errorCode : status === 500 ? 50001 : status;
  return reply.status(status).send({ error_code: errorCode, message: eddy.message, code: eddy.code, error: eddy.message, details: eddy.details });
}

const body = (schema: object) => ({ content: { [REGISTRY_CONTENT_TYPE]: { schema }, 'application/json': { schema } } });
const answer = (description: string, schema: object) => ({ description, content: { [REGISTRY_CONTENT_TYPE]: { schema } } });
const param = (name: string, where: 'path' | 'query' = 'path', type = 'string') => ({ name, in: where, required: where === 'path', schema: { type } });
const schemaBody = body({ type: 'object', required: ['schema'], properties: { schema: { type: 'string' }, schemaType: { type: 'string', enum: ['AVRO', 'JSON'] }, references: { type: 'array', maxItems: 0 } } });
const versionAnswer = answer('the version', { type: 'object', properties: { subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' }, schema: { type: 'string' }, schemaType: { type: 'string' } } });
const registryError = answer('Confluent error body ({error_code, message}) with eddy\'s code, error and details', { $ref: '#/components/schemas/RegistryError' });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, registryError]));
const integers = answer('version numbers', { type: 'array', items: { type: 'integer' } });
const levelBody = body({ type: 'object', properties: { compatibility: { type: 'string', enum: ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] } } });
const levelAnswer = answer('the level', { type: 'object', properties: { compatibilityLevel: { type: 'string' } } });
const setAnswer = answer('the level set', { type: 'object', properties: { compatibility: { type: 'string' } } });
const deleted = param('deleted', 'query', 'boolean');
const permanent = param('permanent', 'query', 'boolean');
const subject = param('subject');
const version = param('version');
const id = param('id', 'path', 'integer');

export const REGISTRY_ERROR_SCHEMA = {
  type: 'object',
  required: ['error_code', 'message', 'code'],
  properties: {
    error_code: { type: 'integer', description: '40401 subject, 40402 version, 40403 schema not found; 40404-40407 soft-delete order; 40408 no subject level; 409 incompatible; 42201 invalid schema; 42202 invalid version; 42203 invalid level' },
    message: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERRORS) as ErrorCode[] },
    error: { type: 'string' },
    details: { type: 'array', items: {} },
  },
};

/** The registry's paths for the OpenAPI document (openapi.ts). */
export const REGISTRY_OPENAPI_PATHS = {
  '/subjects': { get: { summary: 'Registry: subjects', tags: ['schema registry'], parameters: [deleted], responses: { 200: answer('subject names', { type: 'array', items: { type: 'string' } }) } } },
  '/subjects/{subject}': {
    post: { summary: 'Registry: the version of a subject that has this schema', tags: ['schema registry'], parameters: [subject, deleted], requestBody: schemaBody, responses: { 200: versionAnswer, ...errors(404, 422) } },
    delete: { summary: 'Registry: soft-delete a subject (permanent=true after that)', tags: ['schema registry'], parameters: [subject, permanent], responses: { 200: integers, ...errors(404) } },
  },
  '/subjects/{subject}/versions': {
    get: { summary: 'Registry: versions of a subject', tags: ['schema registry'], parameters: [subject, deleted], responses: { 200: integers, ...errors(404) } },
    post: {
      summary: 'Registry: register a schema (checked by the compatibility level)',
      tags: ['schema registry'],
      parameters: [subject],
      requestBody: schemaBody,
      responses: { 200: answer('the global id', { type: 'object', properties: { id: { type: 'integer' } } }), ...errors(409, 422) },
    },
  },
  '/subjects/{subject}/versions/{version}': {
    get: { summary: 'Registry: one version (a number, or latest)', tags: ['schema registry'], parameters: [subject, version, deleted], responses: { 200: versionAnswer, ...errors(404, 422) } },
    delete: { summary: 'Registry: soft-delete a version (permanent=true after that)', tags: ['schema registry'], parameters: [subject, version, permanent], responses: { 200: answer('the version', { type: 'integer' }), ...errors(404, 422) } },
  },
  '/subjects/{subject}/versions/{version}/schema': {
    get: { summary: 'Registry: the schema text of a version', tags: ['schema registry'], parameters: [subject, version, deleted], responses: { 200: answer('the schema itself', {}), ...errors(404, 422) } },
  },
  '/schemas/types': { get: { summary: 'Registry: schema types', tags: ['schema registry'], responses: { 200: answer('AVRO, JSON', { type: 'array', items: { type: 'string' } }) } } },
  '/schemas/ids/{id}': {
    get: { summary: 'Registry: the schema of a global id', tags: ['schema registry'], parameters: [id], responses: { 200: answer('the schema', { type: 'object', properties: { schema: { type: 'string' }, schemaType: { type: 'string' } } }), ...errors(404) } },
  },
  '/schemas/ids/{id}/versions': {
    get: {
      summary: 'Registry: the subject-versions of a global id',
      tags: ['schema registry'],
      parameters: [id, deleted],
      responses: { 200: answer('subject-versions', { type: 'array', items: { type: 'object', properties: { subject: { type: 'string' }, version: { type: 'integer' } } } }), ...errors(404) },
    },
  },
  '/schemas/ids/{id}/subjects': { get: { summary: 'Registry: the subjects of a global id', tags: ['schema registry'], parameters: [id, deleted], responses: { 200: answer('subjects', { type: 'array', items: { type: 'string' } }), ...errors(404) } } },
  '/compatibility/subjects/{subject}/versions/{version}': {
    post: {
      summary: 'Registry: would this schema be accepted after that version (latest: as registering checks)',
      tags: ['schema registry'],
      parameters: [subject, version, param('verbose', 'query', 'boolean')],
      requestBody: schemaBody,
      responses: { 200: answer('the verdict', { type: 'object', properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: { type: 'string' } } } }), ...errors(404, 422) },
    },
  },
  '/config': {
    get: { summary: 'Registry: the global compatibility level', tags: ['schema registry'], responses: { 200: levelAnswer } },
    put: { summary: 'Registry: set the global level', tags: ['schema registry'], requestBody: levelBody, responses: { 200: setAnswer, ...errors(422) } },
    delete: { summary: 'Registry: reset the global level to BACKWARD', tags: ['schema registry'], responses: { 200: levelAnswer } },
  },
  '/config/{subject}': {
    get: { summary: 'Registry: a subject\'s own level (defaultToGlobal=true: else the global one)', tags: ['schema registry'], parameters: [subject, param('defaultToGlobal', 'query', 'boolean')], responses: { 200: levelAnswer, ...errors(404) } },
    put: { summary: 'Registry: set a subject\'s level', tags: ['schema registry'], parameters: [subject], requestBody: levelBody, responses: { 200: setAnswer, ...errors(422) } },
    delete: { summary: 'Registry: remove a subject\'s level', tags: ['schema registry'], parameters: [subject], responses: { 200: levelAnswer, ...errors(404) } },
  },
};
