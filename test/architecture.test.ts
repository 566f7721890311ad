// The folder layout is the data flow (events -> log -> stream -> features/models -> pipeline ->
// serving, wired per deployment in deploy/): no import cycle between folders, and the lower layers
// never reach up. Type-only imports count too: they couple the folders just the same.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const SRC = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Top folder of a file under src/ ('(root)' for files directly in it). */
function folderOf(path: string): string {
  const rel = relative(SRC, path).split('/');
  return rel.length === 1 ? '(root)' : rel[0];
}

/** folder -> folders it imports, with one example import per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), m[1]));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, `${relative(SRC, file)} imports ${m[1]}`);
    }
  }
  return graph;
}

it('no import cycle between the folders of src/', () => {
  const graph = folderGraph();
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const [next, example] of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        assert.fail(`import cycle ${cycle.join(' -> ')} (e.g. ${example})`);
      }
      if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
});

it('lower layers do not import higher ones; only the CLI imports the deployments', () => {
  const graph = folderGraph();
  const forbidden: Record<string, readonly string[]> = {
    events: ['log', 'stream', 'features', 'models', 'pipeline', 'serving', 'deploy', 'cli'],
    log: ['stream', 'features', 'models', 'pipeline', 'serving', 'deploy', 'cli'],
    stream: ['features', 'models', 'pipeline', 'serving', 'deploy', 'cli'],
    features: ['pipeline', 'serving', 'deploy', 'cli'],
    models: ['pipeline', 'serving', 'deploy', 'cli'],
    pipeline: ['serving', 'deploy', 'cli'],
    serving: ['pipeline', 'deploy', 'cli'],
    deploy: ['cli'],
  };
  const violations: string[] = [];
  for (const [from, banned] of Object.entries(forbidden)) {
    for (const [to, example] of graph.get(from) ?? []) if (banned.includes(to)) violations.push(`${from} -> ${to}: ${example}`);
  }
  for (const [from, edges] of graph) if (from !== 'cli' && edges.has('deploy')) violations.push(`${from} -> deploy: ${edges.get('deploy')}`);
  assert.deepEqual(violations, []);
});
