/**
 * `eddy replay FILE`: prequential (test-then-train) evaluation of a log. Progress goes to stderr;
 * the last stdout line is the one JSON summary of docs/API.md, with the baselines beside eddy.
 */
import { parseArgs } from 'node:util';
import { EddyError } from '../errors.ts';
import { runReplay } from '../eval/replay.ts';
import type { ReplayFormat } from '../eval/readers.ts';
import { DEFAULT_PROCESSING, type ProcessingConfig } from '../pipeline/personalization-processor.ts';

const FORMATS: readonly ReplayFormat[] = ['movielens', 'jsonl'];

/** Parses `eddy replay` flags, naming the flag in every error. */
export function parseReplayArgs(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'movielens' },
      items: { type: 'string' },
      k: { type: 'string', default: '10' },
      report: { type: 'string' },
      'exploration-share': { type: 'string' },
      'no-baselines': { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file) throw new EddyError('EDDY_CONFIG_INVALID', { message: 'FILE: is required (eddy replay FILE --format movielens|jsonl)' });
  const format = values.format as ReplayFormat;
  if (!FORMATS.includes(format)) throw new EddyError('EDDY_CONFIG_INVALID', { message: `--format: must be one of ${FORMATS.join(', ')}` });
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new EddyError('EDDY_CONFIG_INVALID', { message: '--k: must be an integer from 1 to 1000' });
  let processing: ProcessingConfig | undefined;
  if (values['exploration-share'] !== undefined) {
    const share = Number(values['exploration-share']);
    if (!(share >= 0 && share <= 1)) throw new EddyError('EDDY_CONFIG_INVALID', { message: '--exploration-share: must be a number from 0 to 1' });
    const models = DEFAULT_PROCESSING.models;
    processing = { ...DEFAULT_PROCESSING, models: { ...models, exploration: { ...models.exploration, share } } };
  }
  return { file, format, k, items: values.items, report: values.report, baselines: !values['no-baselines'], processing };
}

export async function replay(argv: readonly string[]): Promise<number> {
  const options = parseReplayArgs(argv);
  const { summary } = await runReplay(options);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}
