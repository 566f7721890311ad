/**
 * A node:http proxy in front of a real eddy, for the tracker's tests: each `POST /v1/events` is
 * forwarded, or answered by the proxy itself (a 503 with Retry-After, as eddy's overload answer),
 * or forwarded and its answer then lost (the connection cut after eddy wrote the events).
 * Everything else (reads, CORS preflights) is forwarded unchanged.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Decision =
  | { readonly kind: 'forward' }
  | { readonly kind: 'cut' }
  | { readonly kind: 'answer'; readonly status: number; readonly headers?: Record<string, string>; readonly body: unknown };

export interface ProxiedPost {
  readonly at: number;
  readonly decision: Decision['kind'];
  readonly eventIds: string[];
}

export interface Proxy {
  readonly url: string;
  readonly posts: ProxiedPost[];
  close(): Promise<void>;
}

/** `decide` sees the number of the POST (0-based) and its request headers. */
export async function startProxy(target: string, decide: (index: number, headers: IncomingHttpHeaders) => Decision): Promise<Proxy> {
  const upstream = new URL(target);
  const posts: ProxiedPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let decision: Decision = { kind: 'forward' };
      if (req.method === 'POST' && req.url === '/v1/events') {
        decision = decide(posts.length, req.headers);
        let eventIds: string[] = [];
        try {
          eventIds = (JSON.parse(body.toString('utf8')) as { event_id: string }[]).map((e) => e.event_id);
        } catch {
          // Not a JSON array: recorded without ids.
        }
        posts.push({ at: performance.now(), decision: decision.kind, eventIds });
      }
      if (decision.kind === 'answer') {
        res.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
        res.end(JSON.stringify(decision.body));
        return;
      }
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          if (decision.kind === 'cut') {
            // eddy has taken the events; the client never learns it.
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
