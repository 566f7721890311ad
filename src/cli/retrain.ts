/**
 * `eddy retrain [--data-dir D]`: rebuilds the processing state and the models from the embedded
 * store's log in one batch (src/pipeline/rebuild.ts). Run it while the service is stopped; the next
 * `eddy start` resumes from the rebuilt state. Progress on stderr, a JSON summary on stdout.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EddyError } from '../errors.ts';
import { openEmbeddedLog, type EmbeddedLog } from '../log/embedded/embedded-log.ts';
import { rebuildState } from '../pipeline/rebuild.ts';
import { topicNames } from '../pipeline/topics.ts';

/** Parses `eddy retrain` flags (the environment's EDDY_DATA_DIR when no flag). */
export function parseRetrainArgs(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'data-dir': { type: 'string', default: process.env.EDDY_DATA_DIR ?? './data' },
      'topic-prefix': { type: 'string', default: '' },
    },
  });
  return { dataDir: values['data-dir'], topicPrefix: values['topic-prefix'] };
}

export async function retrain(argv: readonly string[]): Promise<number> {
  const { dataDir, topicPrefix } = parseRetrainArgs(argv);
  const missing = () => new EddyError('EDDY_CONFIG_INVALID', { message: `--data-dir: no eddy log in ${dataDir} (start the service there first)` });
  // Opening the store would create an empty one: a mistyped folder must not.
  if (!existsSync(dataDir)) throw missing();
  const log = openEmbeddedLog({ dataDir });
  try {
    if (!hasTopic(log, topicNames(topicPrefix).interactions)) {
      throw missing();
    }
    const started = performance.now();
    const result = await rebuildState({ log, topics: topicNames(topicPrefix), progress: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${JSON.stringify({ ...result, seconds: Math.round(performance.now() - started) / 1000 })}\n`);
  } finally {
    await log.close();
  }
  return 0;
}

function hasTopic(log: EmbeddedLog, topic: string): boolean {
  try {
    log.partitionsOf(topic);
    return true;
  } catch {
    return false;
  }
}
