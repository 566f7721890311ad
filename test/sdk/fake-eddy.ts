/**
 * A stand-in for eddy's `POST /v1/events` on a real socket (node:http), for the tracker's tests:
 * it records every request (arrival time, headers, events) and answers as a script says, by
 * default like eddy (202, de-duplicated by event_id). `landed` counts each event_id it took.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** performance.now() when the body was read. */
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: any[];
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** JSON body; by default eddy's ingest answer for the events that were taken. */
  readonly body?: unknown;
  /** Cut the connection instead of answering (after taking the events, if `take`). */
  readonly destroy?: boolean;
  /** Whether the events count as landed (default: for 2xx answers). */
  readonly take?: boolean;
}

/** Answers request `index` (0-based) carrying `events`; undefined for the default 202. */
export type Script = (index: number, events: any[]) => Answer | undefined;

export interface FakeEddy {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** event_id -> how many times it was taken. */
  readonly landed: Map<string, number>;
  script: Script;
  close(): Promise<void>;
}

export async function startFakeEddy(script: Script = () => undefined, port = 0): Promise<FakeEddy> {
  const requests: RecordedRequest[] = [];
  const landed = new Map<string, number>();
  const fake: { script: Script } = { script };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as any[];
      const index = requests.length;
      requests.push({ at: performance.now(), headers: req.headers, events });
      const answer = fake.script(index, events) ?? { status: 202 };
      if (answer.take ?? (answer.status >= 200 && answer.status < 300)) {
        const rejected = new Set(((answer.body as { rejected?: { index: number }[] } | undefined)?.rejected ?? []).map((r) => r.index));
        events.forEach((e, i) => {
          if (!rejected.has(i)) landed.set(e.event_id, (landed.get(e.event_id) ?? 0) + 1);
        });
      }
      if (answer.destroy) {
        req.socket.destroy();
        return;
      }
      const body = answer.body ?? { accepted: events.length, duplicates: 0, rejected: [] };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    landed,
    get script() {
      return fake.script;
    },
    set script(s: Script) {
      fake.script = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
