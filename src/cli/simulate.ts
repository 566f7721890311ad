/**
 * `eddy simulate`: synthetic users with hidden tastes against a running instance; with `--ramp`,
 * the rate raised step by step until a service level breaks (src/sim/ramp.ts).
 */
import { parseSimulateArgs, runRamp, runSimulation } from '../sim/index.ts';

export async function simulate(argv: readonly string[]): Promise<number> {
  const options = parseSimulateArgs([...argv]);
  const sinks = { log: (line: string) => process.stderr.write(`${line}\n`) };
  const { ramp } = options;
  // A ramp that finds the breaking point has done its job: exit 0 either way.
  if (ramp !== undefined) await runRamp({ ...options, ramp }, sinks);
  else await runSimulation(options, sinks);
  return 0;
}
