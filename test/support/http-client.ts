/** A tiny HTTP client over either Fastify's inject (no socket) or a real URL, for shared scenarios. */
import type { FastifyInstance } from 'fastify';

export interface HttpClient {
  request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

export function injectClient(app: FastifyInstance): HttpClient {
  return {
    async request(method, path, body) {
      const r = await app.inject({ method, url: path, ...(body !== undefined && { payload: body as object }) });
      return { status: r.statusCode, json: r.body === '' ? undefined : JSON.parse(r.body) };
    },
  };
}

export function urlClient(base: string): HttpClient {
  return {
    async request(method, path, body) {
      const r = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, json: text === '' ? undefined : JSON.parse(text) };
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sends writes (POST, PUT) to one client and reads (GET) to another: separate ingest and serve instances. */
export function routedClient(writes: HttpClient, reads: HttpClient): HttpClient {
  return {
    request: (method, path, body) => (method === 'GET' ? reads : writes).request(method, path, body),
  };
}
