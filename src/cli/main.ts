/**
 * The `eddy` command: start, simulate, replay, retrain. Each subcommand lives in its own module.
 */
const USAGE = `usage: eddy <command> [options]
  start      run an instance (API + processing + dashboard)   eddy start [--port N] [--data-dir D] [--log embedded|kafka] ...
  simulate   synthetic users against a running instance        eddy simulate --url URL [--users N] [--items N] [--rate R] [--duration 60s]
  replay     prequential evaluation of a log                   eddy replay FILE --format movielens|jsonl [--items FILE] [--k 10] [--report F.html] [--exploration-share 0.1]
  retrain    rebuild state and models from the log, in batch   eddy retrain [--data-dir D]`;

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // `return await`: a subcommand's rejection must land in the catch below, not escape it
    switch (command) {
      case 'start':
        return await (await import('./start.ts')).start(rest);
      case 'simulate':
        return await (await import('./simulate.ts')).simulate(rest);
      case 'replay':
        return await (await import('./replay.ts')).replay(rest);
      case 'retrain':
        return await (await import('./retrain.ts')).retrain(rest);
      case undefined:
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`eddy: unknown command "${command}"\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    console.error(`eddy ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
