// Part of `npm run build`, after tsc: the two programs that start as processes are bundled, the CLI over tsc's
// output of it (dist/cli/main.js, what it imports of src/ in one file and the lazily loaded parts in chunks,
// dist/chunks/), and the forked worker into dist/worker/entry.cjs (below). Node's ESM loader
// resolves, reads and compiles every file apart: a worker loading ~100 modules spent 150-170 ms of CPU on it,
// the bundle 50-60 ms, and 4-8 workers start at once on 2 cores. Packages stay external, loaded from
// node_modules as before. tsc's output of every other module stays for the library (dist/index.js).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// yargs goes into the CLI's bundle with its own dependencies (cliui, y18n, yargs-parser, ...): loaded from
// node_modules it is ~40 files through the ESM loader, 58 ms of the supervisor's start-up before it can
// send its workers their start (30 ms bundled), and more while 4-8 workers boot beside it on 2 cores.
// Every other package stays external. yargs' platform shim names files by its own URL (its locales, and
// the package.json `--version` reads, found from the folder above node_modules): in the bundle that URL
// is the installed shim's, resolved at run time, so both are found where they were.
const inlineYargs = {
  name: 'inline-yargs',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const insidePackage = args.importer.includes(`${path.sep}node_modules${path.sep}`);
      return insidePackage || args.path === 'yargs' || args.path.startsWith('yargs/') ? undefined : { external: true };
    });
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) throw new Error(`${args.path} no longer names itself by import.meta.url: see scripts/bundle.js`);
      const shimUrl = "new URL('./lib/platform-shims/esm.mjs', import.meta.resolve('yargs')).href";
      return { contents: text.replaceAll('import.meta.url', shimUrl), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

fs.rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [inlineYargs],
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
