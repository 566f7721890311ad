/**
 * CORS for browser trackers (@fastify/cors): only the configured origins get CORS headers, and
 * without any configured origin none is sent (a browser then refuses cross-origin reads). A
 * preflight for `POST /v1/events` with `content-type` and `authorization` is answered (204).
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** How long a browser may cache a preflight answer, s. */
const PREFLIGHT_MAX_AGE_SEC = 600;

/** Registers CORS for `origins` (exact origins such as `https://shop.example`, or `*` for any). */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeaders: ['content-type', 'authorization'],
    // A tracker told to back off must be able to read how long (429 and 503 carry it).
    exposedHeaders: ['retry-after'],
    maxAge: PREFLIGHT_MAX_AGE_SEC,
  });
}
