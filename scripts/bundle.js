// Part of `npm run build`, after tsc: the two programs that start as processes, the CLI and the forked
// worker, are bundled over tsc's output of them (dist/cli/main.js, dist/worker/entry.js), each with what it
// imports of src/ in one file and the lazily loaded parts in shared chunks (dist/chunks/). Node's ESM loader
// resolves, reads and compiles every file apart: a worker loading ~100 modules spent 150-170 ms of CPU on it,
// the bundle 50-60 ms, and 4-8 workers start at once on 2 cores. Packages stay external, loaded from
// node_modules as before. tsc's output of every other module stays for the library (dist/index.js).
import fs from 'node:fs';
import { build } from 'esbuild';

fs.rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'worker/entry': 'src/worker/entry.ts' },
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
