/**
 * Intake during a graceful shutdown: once closed, write requests answer 503 `EDDY_NOT_READY` with
 * `Retry-After` (the client sends them to another instance, or here again after the restart),
 * `/readyz` answers 503 so that load balancers stop routing here, and reads go on being served
 * until the server closes. Every answer from then on carries `Connection: close`, so keep-alive
 * clients reconnect (elsewhere) and the server can close without cutting a request off.
 * The gate also counts the write requests in flight, so that shutdown can wait until the last
 * one accepted before the gate closed is answered (and so in the log) before it drains.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EddyError } from '../errors.ts';

/** What a refused client is told to wait, s: about as long as a restart or a failover takes. */
export const SHUTDOWN_RETRY_AFTER_SEC = 5;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class IntakeGate {
  private closed = false;
  private readonly inFlight = new Set<FastifyRequest>();
  private idleWaiters: (() => void)[] = [];

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Refuses writes from now on. */
  close(): void {
    this.closed = true;
    this.wakeIfIdle();
  }

  /** Resolves true once no write request is in flight, false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** @internal (the hooks below) */
  admit(request: FastifyRequest): void {
    if (this.closed) throw new EddyError('EDDY_NOT_READY', { message: 'shutting down; retry later', retryAfterSec: SHUTDOWN_RETRY_AFTER_SEC });
    this.inFlight.add(request);
  }

  /** @internal */
  done(request: FastifyRequest): void {
    if (this.inFlight.delete(request)) this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (this.inFlight.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Registers the gate's hooks. They run after the hooks of plugins registered before (CORS, rate
 * limits), so a refused browser request still carries its CORS headers.
 */
export function registerIntakeGate(app: FastifyInstance, gate: IntakeGate): void {
  app.after(() => {
    app.addHook('onRequest', async (request, reply) => {
      if (!gate.isOpen) {
        reply.header('connection', 'close');
        if (request.routeOptions.url === '/readyz') return reply.status(503).header('retry-after', String(SHUTDOWN_RETRY_AFTER_SEC)).send({ status: 'stopping' });
      }
      if (WRITE_METHODS.has(request.method)) gate.admit(request);
    });
    app.addHook('onResponse', async (request) => gate.done(request));
    app.addHook('onRequestAbort', async (request) => gate.done(request));
  });
}
