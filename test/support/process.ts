/** Starting eddy as a real child process (for crash tests and multi-instance deployments). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/eddy.js', import.meta.url));

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface EddyProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** What the process wrote to stderr so far (for failure messages). */
  stderr(): string;
}

/** Starts `eddy start` with the given flags and waits until /readyz answers 200. */
export async function startEddyProcess(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<EddyProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--port', String(port), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`eddy exited with ${child.exitCode}: ${err}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`eddy not ready after ${timeoutMs} ms: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, stderr: () => err };
}

/** Stops a process gracefully (SIGTERM) and waits for it. */
export async function stopEddyProcess(p: EddyProcess): Promise<void> {
  // A process ended by a signal (a test's SIGKILL) has no exit code, only a signal code: waiting
  // for its 'exit' again would wait forever.
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}
