/**
 * The HTTP API of API.md on Fastify. Routes are thin: they parse, authorize and call the instance.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EddyError } from '../errors.ts';
import { RejectedInput } from '../events/json-input.ts';
import { itemFeatureValues } from '../features/item-features.ts';
import { DEFAULT_USER_FEATURES, USER_FEATURES } from '../features/user-features.ts';
import { authorize, type Scope } from './auth.ts';
import { registerBodyParsers } from './body-parsers.ts';
import { registerCors } from './cors.ts';
import { registerIntakeGate, type IntakeGate } from './intake-gate.ts';
import { registerRateLimit, type RateLimitOptions } from './rate-limit.ts';
import { loggerOptions, registerRequestLog, type RequestLogOptions } from './request-log.ts';
import { checkRequestParams, idParam, intParam } from './request-params.ts';
import { openApiDocument } from './openapi.ts';
import { registryRoutes } from './registry-routes.ts';
import type { SchemaRegistry } from '../events/registry/index.ts';
import type { ServedInstance } from './served-instance.ts';
import { registerStatsRoute } from './stats-route.ts';
import { trendingItems, type TrendingWindow } from './trending.ts';

export interface AppOptions {
  readonly instance: ServedInstance;
  readonly apiKeys?: ReadonlyMap<string, ReadonlySet<Scope>>;
  /** Largest request body in bytes. Default 4 MiB. */
  readonly bodyLimit?: number;
  /** Request logging (see request-log.ts): false (default) for none, true for info to stdout. */
  readonly logger?: boolean | RequestLogOptions;
  /** Requests per window and client (see rate-limit.ts). Default: no limit. */
  readonly rateLimit?: RateLimitOptions;
  /** Origins browsers may call from (see cors.ts). Default none: no CORS headers. */
  readonly corsOrigins?: readonly string[];
  /** Closed when the instance shuts down: writes and /readyz then answer 503 (see intake-gate.ts). */
  readonly intake?: IntakeGate;
  /** The schema registry served at Confluent's paths (registry-routes.ts); without one those paths are 404. */
  readonly registry?: SchemaRegistry;
}

const WINDOWS: Record<string, number> = { '10m': 10 * 60_000, '1h': 3600_000 };

/** Builds the Fastify app (not listening: the CLI listens, tests use `inject`). */
export function buildApp(options: AppOptions): FastifyInstance {
  const { instance } = options;
  const keys = options.apiKeys ?? new Map();
  // return503OnClosing off: requests arriving while the server closes still reach the intake gate,
  // which answers writes with Retry-After and serves reads.
  const app = Fastify({ ...loggerOptions(options.logger), return503OnClosing: false, bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024 });
  const { metrics } = instance;
  const dashboard = readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');

  registerBodyParsers(app);
  // In this order: CORS headers go on every answer, also on a refusal by the limit or the gate.
  registerCors(app, options.corsOrigins ?? []);
  registerRateLimit(app, keys, options.rateLimit);
  if (options.intake !== undefined) registerIntakeGate(app, options.intake);
  registerRequestLog(app);
  app.addHook('preHandler', async (request) => checkRequestParams(request));

  const guard = (scope: Scope) => async (request: FastifyRequest) => authorize(keys, request.headers.authorization, scope);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof EddyError) {
      if (error.retryAfterSec !== undefined) reply.header('Retry-After', String(error.retryAfterSec));
      return reply.status(error.status).send({ error: error.message, code: error.code, details: error.details });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: 'the request body is too large', code: 'EDDY_BODY_TOO_LARGE', details: [] });
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: error.message, code: 'EDDY_INVALID_BODY', details: [] });
    }
    request.log.error(error);
    return reply.status(500).send({ error: 'internal error', code: 'EDDY_INTERNAL', details: [] });
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequests.inc({ route, status: String(reply.statusCode) });
    if (route.startsWith('/v1/') && request.method === 'GET') metrics.servingLatency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.post('/v1/events', { onRequest: guard('write') }, async (request, reply) => {
    const body = request.body;
    const batch = Array.isArray(body) ? body : [body];
    // The body parsers (json-input.ts) applied the input limits to every element.
    const result = await ingestOf(instance).events(batch, { limitsChecked: true });
    metrics.eventsIngested.inc(result.accepted);
    metrics.eventsDuplicate.inc(result.duplicates);
    metrics.eventsRejected.inc(result.rejected.length);
    const status = result.accepted === 0 && result.duplicates === 0 ? 400 : 202;
    return reply.status(status).send(result);
  });

  app.put<{ Params: { content_id: string } }>('/v1/items/:content_id', { onRequest: guard('write') }, async (request) => {
    const body = request.body as Record<string, unknown> | null;
    if (body instanceof RejectedInput) throw new EddyError('EDDY_INVALID_ITEM', { details: [...body.errors] });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new EddyError('EDDY_INVALID_ITEM', { details: ['/: must be a JSON object'] });
    }
    await ingestOf(instance).items([{ ...body, content_id: request.params.content_id }], { limitsChecked: true });
    return { content_id: request.params.content_id, stored: true };
  });

  app.post('/v1/items', { onRequest: guard('write') }, async (request, reply) => {
    const batch = Array.isArray(request.body) ? request.body : [request.body];
    const stored = await ingestOf(instance).items(batch, { limitsChecked: true });
    return reply.status(202).send({ stored });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/recommendations', { onRequest: guard('read') }, async (request) => {
    const q = request.query;
    const userId = idParam(q.user_id, 'user_id', true);
    const sessionId = idParam(q.session_id, 'session_id');
    const k = intParam(q.k, 'k', 1, 200, 10);
    const exclude = q.exclude ? new Set(q.exclude.split(',', 1000).filter((s) => s !== '')) : undefined;
    // The id is known before serving, so the impressions the recommender records carry it.
    const requestId = randomUUID();
    const items = await instance.recommender.recommend({ userId, k, sessionId, exclude, category: q.category, requestId });
    return { user_id: userId, request_id: requestId, items, generated_at: new Date().toISOString() };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/trending', { onRequest: guard('read') }, async (request) => {
    const window = request.query.window ?? '10m';
    const span = WINDOWS[window];
    if (span === undefined) throw new EddyError('EDDY_INVALID_QUERY', { details: [`/window: must be one of ${Object.keys(WINDOWS).join(', ')}`] });
    const k = intParam(request.query.k, 'k', 1, 200, 10);
    const items = await trendingItems(instance.featureStore, window as TrendingWindow, k);
    return { window, items };
  });

  app.get<{ Params: { content_id: string }; Querystring: Record<string, string | undefined> }>(
    '/v1/items/:content_id/similar',
    { onRequest: guard('read') },
    async (request) => {
      const k = intParam(request.query.k, 'k', 1, 200, 10);
      const id = request.params.content_id;
      const [[covis], [entry]] = await Promise.all([instance.featureStore.covis([id]), instance.featureStore.catalog([id])]);
      const row = [...(covis ?? [])].sort((a, b) => b[1] - a[1]);
      const best = row[0]?.[1] ?? 1;
      const items: { content_id: string; score: number; category?: string; reasons: string[] }[] = row
        .slice(0, k)
        .map(([cid, v]) => ({ content_id: cid, score: Math.round((v / best) * 1e4) / 1e4, reasons: ['co_visitation'] }));
      if (items.length < k && entry?.category !== undefined) {
        // Too few co-visits yet: fill with the category's popular items.
        const taken = new Set([id, ...items.map((i) => i.content_id)]);
        for (const p of await instance.featureStore.popular(entry.category, k * 2)) {
          if (items.length >= k) break;
          if (!taken.has(p.id)) items.push({ content_id: p.id, score: 0, reasons: ['category_popular'] });
        }
      }
      const entries = await instance.featureStore.catalog(items.map((i) => i.content_id));
      items.forEach((item, i) => {
        if (entries[i]?.category !== undefined) item.category = entries[i]!.category;
      });
      return { content_id: id, request_id: randomUUID(), items, generated_at: new Date().toISOString() };
    },
  );

  app.get<{ Params: { user_id: string } }>('/v1/users/:user_id/features', { onRequest: guard('read') }, async (request) => {
    const [user, now] = await Promise.all([instance.featureStore.user(request.params.user_id), instance.featureStore.streamTime()]);
    if (user === undefined) throw new EddyError('EDDY_NOT_FOUND', { message: `no events for user ${request.params.user_id}` });
    const values: Record<string, unknown> = { user_id: request.params.user_id };
    for (const f of USER_FEATURES) values[f.name] = f.value(user, now, DEFAULT_USER_FEATURES);
    values.interactions_total = user.n;
    return values;
  });

  app.get<{ Params: { content_id: string } }>('/v1/items/:content_id/features', { onRequest: guard('read') }, async (request) => {
    const id = request.params.content_id;
    const [[state], [entry], now] = await Promise.all([
      instance.featureStore.items([id]),
      instance.featureStore.catalog([id]),
      instance.featureStore.streamTime(),
    ]);
    if (state === undefined && entry === undefined) throw new EddyError('EDDY_NOT_FOUND', { message: `unknown item ${id}` });
    return { content_id: id, ...(entry?.category !== undefined && { category: entry.category }), ...(state ? itemFeatureValues(state, now) : {}) };
  });

  app.get('/metrics', async (_request, reply) => {
    for (const l of await instance.lagByPartition()) metrics.consumerLag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply: FastifyReply) => {
    if (!instance.ready()) return reply.status(503).send({ status: 'not ready' });
    // Still ready while Redis or Kafka is away: reads answer from their fallbacks (issue 7), and a
    // probe failing every instance at once would take serving down with the dependency.
    return { status: 'ready', lag: instance.lag(), dependencies: metrics.dependencies?.() ?? {} };
  });
  app.get('/openapi.json', async () => openApiDocument());
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(dashboard));
  registerStatsRoute(app, instance, keys);
  if (options.registry !== undefined) app.register(registryRoutes, { registry: options.registry, apiKeys: keys });
  closeConnectionsAfter(app, CLOSE_GRACE_MS);
  return app;
}

/** How long requests in flight when the server closes may take before their connections are cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * Bounds `app.close()`: Node closes idle keep-alive connections at once, but a connection that was
 * opened and never sent a request (a client that aborted while connecting, a slowloris) counts as
 * busy until `headersTimeout` (60 s), which would hold a graceful shutdown past its deadline. After
 * `graceMs` every connection still open is closed.
 */
function closeConnectionsAfter(app: FastifyInstance, graceMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearTimeout(timer));
}

/** The instance's ingest; an instance of a role that takes no writes answers 404 for write routes. */
function ingestOf(instance: ServedInstance) {
  if (instance.ingest === undefined) throw new EddyError('EDDY_NOT_FOUND', { message: 'this instance takes no writes (its role is process or serve)' });
  return instance.ingest;
}
