// `?raw` imports for Node (the tsx-run CLI, benches and scripts): `import text from './file?raw'`
// gives the file's text as the default export, as Vite, Vitest and the Next build (turbopack.rules
// in next.config.js) do. engine/export/scripts.ts reads its templates this way.
//
// Use: `node --import tsx --import ./scripts/raw-loader.mjs x.ts`, `tsx --import ./scripts/raw-loader.mjs x.ts`,
// or `import './scripts/raw-loader.mjs'` before a dynamic import (bin/fusionlab.mjs).
//
// Imported plainly, this module registers itself (module.register) as a loader; Node then loads it
// again, with `?hooks`, as the hooks module, where it only exports `resolve` and `load`.
// Only relative and file: specifiers are served (what the engine's imports are).
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';

const RAW = /\?raw$/;

if (!new URL(import.meta.url).searchParams.has('hooks')) register(new URL('?hooks', import.meta.url));

/** Resolve `./x?raw` next to the importer, without asking other resolvers (they would look for a module). */
export async function resolve(specifier, context, nextResolve) {
  if (!RAW.test(specifier)) return nextResolve(specifier, context);
  if (!/^(\.{1,2}\/|\/|file:)/.test(specifier)) throw new Error(`raw-loader: only relative or file: specifiers can be read as text, not ${specifier}`);
  if (!context.parentURL) throw new Error(`raw-loader: ${specifier} has no importer to resolve it from`);
  const url = new URL(specifier, context.parentURL);
  return { url: url.href, format: 'module', shortCircuit: true };
}

/** A `?raw` URL is an ES module whose default export is the file's text (UTF-8). */
export async function load(url, context, nextLoad) {
  const u = new URL(url);
  if (u.protocol !== 'file:' || u.search !== '?raw') return nextLoad(url, context);
  u.search = '';
  const text = await readFile(u, 'utf8');
  return { format: 'module', source: `export default ${JSON.stringify(text)};\n`, shortCircuit: true };
}
