/**
 * Request logging without personal data: one line per request with the method, the route
 * *pattern* (`/v1/users/:user_id/features`, never the raw url with its ids or query string), the
 * status and the time taken. Bodies are never logged. Fastify's own request lines (which carry
 * the raw url, also for unknown routes) are turned off in favour of this one.
 */
import { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';

export interface RequestLogOptions {
  /** pino level (`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`). Default `info`. */
  readonly level?: string;
  /** Where the JSON lines go. Default stdout. */
  readonly stream?: { write(line: string): unknown };
}

/** Routes that probes and scrapers call every few seconds: logged at debug, not info. */
const PROBES = new Set(['/metrics', '/healthz', '/readyz']);

/** What identifies a request in a log line: method and route pattern, nothing from the url itself. */
const requestFields = (request: FastifyRequest) => ({ method: request.method, route: request.routeOptions.url ?? '(no route)' });

/** The Fastify options for `logger` (false: no logging; true: info to stdout). */
export function loggerOptions(logger: boolean | RequestLogOptions | undefined): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  if (logger === undefined || logger === false) return { logger: false };
  const { level = 'info', stream } = logger === true ? {} : logger;
  return {
    logger: {
      level,
      ...(stream !== undefined && { stream }),
      // Whatever logs a request object (a plugin, an error path) gets the same safe fields.
      serializers: { req: (request: FastifyRequest) => requestFields(request) },
    },
    logController: new LogController({ disableRequestLogging: true }),
  };
}

/** Logs each answered request in one line (see the module comment). */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const fields = { ...requestFields(request), statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 10) / 10 };
    if (PROBES.has(fields.route)) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });
}
