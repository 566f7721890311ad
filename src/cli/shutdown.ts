/**
 * Graceful shutdown of `eddy start` on SIGTERM or SIGINT, in this order:
 *   1. intake stops at once: writes answer 503 EDDY_NOT_READY with Retry-After, /readyz 503;
 *   2. the writes accepted before that are answered (each one is then in the durable log);
 *   3. an instance that both ingests and processes (embedded, Kafka role `all`) works off what
 *      it accepted, for at most half the deadline: what is left stays in the log for the restart;
 *   4. the HTTP server closes (reads in flight are answered);
 *   5. the instance stops: the stream task commits the batch in flight, the consumer leaves its
 *      group, the log and the Redis clients close.
 * Exit 0 when all of it finished within `timeoutMs`; past it, or on a second signal, exit 1 at
 * once: nothing acknowledged is lost either way (it is in the log), the restart only has more to do.
 */
import type { FastifyInstance } from 'fastify';
import type { Instance } from '../deploy/embedded.ts';
import type { IntakeGate } from '../serving/intake-gate.ts';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Resolves with the first SIGTERM or SIGINT; a second one ends the process at once with 1. */
export function nextSignal(log: (message: string) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const s of SIGNALS) process.off(s, first);
      for (const s of SIGNALS) {
        process.once(s, () => {
          log(`eddy: ${s} during shutdown; exiting now`);
          process.exit(1);
        });
      }
      resolve(signal);
    };
    for (const s of SIGNALS) process.on(s, first);
  });
}

export interface ShutdownOptions {
  readonly app: FastifyInstance;
  readonly instance: Instance;
  readonly intake: IntakeGate;
  readonly timeoutMs: number;
  readonly log: (message: string) => void;
}

/** Runs the shutdown (see the module comment); resolves with 0, or exits the process with 1 at the deadline. */
export async function shutdown(options: ShutdownOptions): Promise<number> {
  const { app, instance, intake, timeoutMs, log } = options;
  const started = Date.now();
  const left = () => Math.max(0, started + timeoutMs - Date.now());
  const deadline = setTimeout(() => {
    log(`eddy: shutdown did not finish within ${timeoutMs} ms; exiting with 1 (acknowledged events are in the log; the restart processes them)`);
    process.exit(1);
  }, timeoutMs);
  intake.close();
  if (!(await intake.idle(left() / 2))) log('eddy: writes still in flight after half the shutdown deadline; going on');
  if (instance.ingest !== undefined && instance.processor !== undefined) {
    await instance.drained(left() / 2).catch((error: unknown) => log(`eddy: backlog left for the restart (${error instanceof Error ? error.message : String(error)})`));
  }
  await app.close();
  await instance.stop();
  clearTimeout(deadline);
  log(`eddy: stopped in ${Date.now() - started} ms`);
  // Everything is committed and closed; a handle left open (a bug) must not keep the process alive.
  setTimeout(() => {
    log('eddy: stopped, but an open handle kept the process alive; exiting');
    process.exit(0);
  }, Math.max(1000, left())).unref();
  return 0;
}
