// Part of `npm run build`, after tsc: the two programs that start as processes are bundled, the CLI over tsc's
// output of it (dist/cli/main.js, what it imports of src/ in one file and the lazily loaded parts in chunks,
// dist/chunks/), and the forked worker into dist/worker/entry.cjs (below). Node's ESM loader
// resolves, reads and compiles every file apart: a worker loading ~100 modules spent 150-170 ms of CPU on it,
// the bundle 50-60 ms, and 4-8 workers start at once on 2 cores. Packages stay external, loaded from
// node_modules as before. tsc's output of every other module stays for the library (dist/index.js).
import fs from 'node:fs';
import { build } from 'esbuild';

fs.rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // One folder below dist/, as cli/ and worker/ are: a path a module makes from its own URL
  // (`new URL('../worker/entry.js', import.meta.url)`) names the same file from a chunk as from tsc's output.
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

// The forked worker once more, as CommonJS (dist/worker/entry.cjs, what the supervisor forks): Node starts its
// ESM loader for an ESM entry and links the module graph through it, about 25 ms of CPU a process against a
// CommonJS entry (measured: 130 ms against 105, an empty script 84), and 4-8 workers start at once on 2 cores.
// Modules name files next to themselves by import.meta.url; here that is the bundle's own URL, which sits one
// folder below dist/ as the ESM entry does.
await build({
  entryPoints: { 'worker/entry': 'src/worker/entry.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.url': '__moduleUrl' },
  banner: { js: 'const __moduleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});
