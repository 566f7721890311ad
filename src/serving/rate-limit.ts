/**
 * Request rate limits (@fastify/rate-limit): a fixed window per client, where the client is the
 * API key a request carries when keys are configured, its address otherwise (and for requests
 * without a valid key, so that rotating made-up keys buys no fresh allowance). Probes and scrapes
 * (`/metrics`, `/healthz`, `/readyz`) are never limited. Over the limit: 429 `EDDY_RATE_LIMITED`
 * with `Retry-After`, in the body shape of every eddy error.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EddyError } from '../errors.ts';
import { matchKey, type Scope } from './auth.ts';

export interface RateLimitOptions {
  /** Requests per window and client; 0 turns limiting off. */
  readonly max: number;
  /** Window length, ms. */
  readonly windowMs: number;
}

/** Routes that monitoring calls, often and from one address: never limited. */
const EXEMPT = new Set(['/metrics', '/healthz', '/readyz']);

/** Clients remembered at once (least recently seen forgotten first); the plugin's default is 5000. */
const CLIENTS = 50_000;

/** Registers the limit as the first hook of every route (before authorization and body parsing). */
export function registerRateLimit(app: FastifyInstance, keys: ReadonlyMap<string, ReadonlySet<Scope>>, options: RateLimitOptions | undefined): void {
  if (options === undefined || options.max === 0) return;
  const clientOf = (request: FastifyRequest): string => {
    const key = keys.size === 0 ? undefined : matchKey(keys, request.headers.authorization);
    return key === undefined ? `ip:${request.ip}` : `key:${key.id}`;
  };
  app.register(rateLimit, {
    // Routes are declared before this plugin loads, so its per-route hooks would miss them: the
    // limiter is added as a root hook below instead, which applies to every route.
    global: false,
    cache: CLIENTS,
  });
  app.after(() => {
    app.addHook(
      'onRequest',
      app.rateLimit({
        max: options.max,
        timeWindow: options.windowMs,
        keyGenerator: clientOf,
        allowList: (request) => EXEMPT.has(request.routeOptions.url ?? ''),
        errorResponseBuilder: (_request, context) =>
          new EddyError('EDDY_RATE_LIMITED', {
            retryAfterSec: Math.max(1, Math.ceil(context.ttl / 1000)),
            details: [`at most ${context.max} requests per ${options.windowMs / 1000} s per client`],
          }),
      }),
    );
  });
}
