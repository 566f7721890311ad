/** `eddy simulate`: synthetic users with hidden tastes against a running instance. */
import { parseSimulateArgs, runSimulation } from '../sim/index.ts';

export async function simulate(argv: readonly string[]): Promise<number> {
  const options = parseSimulateArgs([...argv]);
  await runSimulation(options, { log: (line: string) => process.stderr.write(`${line}\n`) });
  return 0;
}
