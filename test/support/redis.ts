// A real Redis for a test file: reuses the one on 127.0.0.1:6379 (or EDDY_TEST_REDIS_URL), and
// starts a throwaway redis-server there when none answers. Tests share that server, so each run
// writes under its own key prefix (`testPrefix`) and deletes it afterwards (`dropPrefix`).
// `RedisProxy` stands between a client and Redis so a test can cut or hang the connection without
// touching the shared server (CLIENT PAUSE or a restart would stall everyone else's tests).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Sends PING over a raw socket: true when something answers +PONG within `timeoutMs`. */
export function ping(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * The URL of a Redis that answers PING. Starts `redis-server` (no persistence) on the default port
 * when nothing answers there; throws when that fails, so a Redis test never passes vacuously.
 */
export async function ensureRedis(): Promise<string> {
  const url = process.env.EDDY_TEST_REDIS_URL ?? DEFAULT_URL;
  const { hostname, port } = new URL(url);
  const p = Number(port || 6379);
  if (await ping(hostname, p)) return url;
  const started = spawnSync('redis-server', ['--daemonize', 'yes', '--port', String(p), '--save', '', '--appendonly', 'no'], { encoding: 'utf8' });
  if (started.error || started.status !== 0) throw new Error(`no Redis at ${url} and redis-server did not start: ${started.error?.message ?? started.stderr}`);
  for (let i = 0; i < 50; i++) {
    if (await ping(hostname, p)) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server started but ${url} does not answer PING`);
}

/** A key prefix no other test run uses. */
export function testPrefix(name: string): string {
  return `eddy-test:${name}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, not KEYS: the server is shared). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** `dropPrefix` on a connection of its own to the Redis at `url` (a test's after()). */
export async function dropPrefixAt(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await dropPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** A TCP proxy to Redis that a test can cut (connections refused) or hang (bytes held back). */
export class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private hung = false;
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts a proxy on a free loopback port in front of the Redis at `url`. */
  static async start(url: string): Promise<RedisProxy> {
    const { hostname, port } = new URL(url);
    const proxy = new RedisProxy(hostname, Number(port || 6379));
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      this.sockets.add(client).add(upstream);
      this.clients.add(client);
      // Hanging pauses reading the clients' requests: they wait, in order, as at a paused Redis.
      if (this.hung) client.pause();
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        this.clients.delete(client);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  /** Closes every connection and refuses new ones (Redis "down"). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.clients.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Keeps connections open but stops answering (a paused or overloaded Redis). */
  hang(): void {
    this.hung = true;
    for (const c of this.clients) c.pause();
  }

  /** Answers again; after `cut`, listens again on the same port so clients reconnect. */
  async restore(): Promise<void> {
    this.hung = false;
    for (const c of this.clients) c.resume();
    if (this.server === undefined) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
