#!/usr/bin/env node
// Builds @eddy/tracker into sdk/dist/: tracker.js (ESM), tracker.global.js (a script tag's
// `EddyTracker`), both bundled and minified by esbuild, and the .d.ts files by TypeScript; then
// prints the sizes, minified and minified+gzipped, which are the SDK's size budget.
// Usage: node sdk/build.mjs (or npm run build:sdk at the root).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import ts from 'typescript';

const sdk = new URL('.', import.meta.url).pathname;
const dist = `${sdk}dist/`;
const entry = `${sdk}src/index.ts`;

/** Browsers of the last few years and Node 20: what esbuild may leave untranspiled. */
const TARGET = ['es2020', 'chrome90', 'firefox90', 'safari15', 'node20'];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({ entryPoints: [entry], outfile: `${dist}tracker.js`, bundle: true, minify: true, format: 'esm', target: TARGET, legalComments: 'none' });
await build({ entryPoints: [entry], outfile: `${dist}tracker.global.js`, bundle: true, minify: true, format: 'iife', globalName: 'EddyTracker', target: TARGET, legalComments: 'none' });

// Declarations, checked without Node's types: the SDK must not lean on anything Node-only.
const program = ts.createProgram([entry], {
  declaration: true,
  emitDeclarationOnly: true,
  outDir: dist,
  rootDir: `${sdk}src`,
  strict: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
  types: [],
  skipLibCheck: true,
});
// The sources import './x.ts' (house style); a published declaration must name './x.js'.
const result = program.emit(undefined, (file, text) => writeFileSync(file, text.replace(/(from '\.\/[\w-]+)\.ts'/g, "$1.js'")));
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => sdk, getNewLine: () => '\n' };
  console.error(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}

for (const file of ['tracker.js', 'tracker.global.js']) {
  const bytes = readFileSync(`${dist}${file}`);
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  console.log(`sdk/dist/${file}: ${bytes.length} bytes minified, ${gzipped} bytes minified+gzipped`);
}
