/**
 * A private `redis-server` child process for a test that must crash and restart Redis (the shared
 * server of test/support/redis.ts must never be stopped under other tests). No persistence: a
 * restart comes back empty, as a Redis used as a cache does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './process.ts';
import { ping } from './redis.ts';

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(readonly port: number) {}

  /** Starts `redis-server` on a free loopback port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the server with SIGKILL (a crash: nothing is saved) and waits until it has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port (empty) and waits until it answers PING. */
  async restart(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned) throw new Error(`redis-server did not start: ${spawned.message}`);
    const deadline = Date.now() + timeoutMs;
    while (!(await ping('127.0.0.1', this.port))) {
      if (!this.running) throw new Error(`redis-server exited: ${this.output}`);
      // The old process's port may take a moment to be free again after a kill.
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} does not answer PING: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}
