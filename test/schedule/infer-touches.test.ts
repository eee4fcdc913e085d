import { describe, expect, it } from 'vitest';
import { inferTouches } from '../../src/schedule/infer-touches.js';

const rows: Array<[string, string[]]> = [
  ['Fix the redirect in src/auth/login.ts.', ['src/auth/login.ts']],
  ['Update README.md and docs/guide/ to match.', ['README.md', 'docs/guide/']],
  ['Edit `src/queue/store.ts` (and `src/queue/claims.ts`).', ['src/queue/store.ts', 'src/queue/claims.ts']],
  ['Touch src/a.ts, then src/b.ts; then src/a.ts again.', ['src/a.ts', 'src/b.ts']],
  ['See https://example.com/docs/a.md or http://x.org/y for details.', []],
  ['Mail dev@example.com about it.', []],
  ['Bump from 1.2.3 to v2.0.1 (node 20.19).', []],
  ['Use short names, e.g. foo, i.e. not bar, etc.', []],
  ['Read/write the config and/or the cache.', []],
  ['Install @types/node first.', []],
  ['Clone github.com/owner/repo somewhere.', []],
  ['Call `user.save()` after validation.', []],
  ['Do not touch /etc/hosts or ~/.bashrc or ../other/x.ts.', []],
  ['Add tests under test/**/*.test.ts.', ['test/**/*.test.ts']],
  ['Change src/{cli,task}/*.ts in one go.', ['src/{cli,task}/*.ts']],
  ['The crash is at src/worker/attempt.ts:96:15.', ['src/worker/attempt.ts']],
  ['See [the guide](docs/guide.md) and **package.json**.', ['docs/guide.md', 'package.json']],
  ['Copy .env.example to .env and update .gitignore.', ['.env.example', '.env', '.gitignore']],
  ['Update the `Makefile` but not the Makefile in prose.', ['Makefile']],
  ['Rewrite ./scripts/demo.js.', ['scripts/demo.js']],
  ['Run npm test -- --reporter=verbose --outputFile=reports/out.json', ['reports/out.json']],
  ['Works on Node.js and Vue.js.', []],
  ['The dates 2024/01/02 and 3/4 are not paths.', []],
  ['Nothing here at all.', []],
  ['Fix src/... and the rest.', ['src/']],
];

describe('inferTouches', () => {
  it.each(rows)('%s', (prompt, expected) => {
    expect(inferTouches(prompt)).toEqual(expected);
  });
});
