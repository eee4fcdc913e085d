// The ledger under concurrent writers: each process adds its own files and no amount is lost.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ledger, sumCost } from '../../src/governance/ledger.js';
import { tmpDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const ledgerModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/governance/ledger.js');

describe('Ledger', () => {
  it('sums what eight processes record at the same time, to the cent', async () => {
    const dir = path.join(tmpDir(), 'ledger');
    const script = `
      const { Ledger } = await import(${JSON.stringify(ledgerModule)});
      const ledger = new Ledger(process.argv[1]);
      for (let i = 0; i < 50; i++) ledger.record({ task: 'p' + process.argv[2] + '-' + i, gen: 1, agent: 'claude', costUsd: 0.01 });`;
    await Promise.all(Array.from({ length: 8 }, (_, p) => run(process.execPath, ['--input-type=module', '-e', script, dir, String(p)])));
    expect(new Ledger(dir).totalUsd()).toBe(4);
    expect(new Ledger(dir).entries()).toHaveLength(400);
  });

  it('reads only files new since the last sum, and sums per task over its generations', () => {
    const dir = tmpDir();
    const ledger = new Ledger(dir);
    ledger.record({ task: 'a', gen: 1, agent: 'claude', costUsd: 0.1 });
    ledger.record({ task: 'a.b', gen: 2, agent: 'claude', costUsd: 0.2 });
    expect(ledger.totalUsd()).toBe(0.3);
    new Ledger(dir).record({ task: 'a', gen: 3, agent: 'codex', costUsd: 0.05 });
    expect(ledger.totalUsd()).toBe(0.35);
    expect(ledger.taskUsd('a')).toBe(0.15);
    expect(ledger.taskUsd('missing')).toBe(0);
  });

  it('counts an attempt with no reported cost as nothing, and rounds away float noise', () => {
    expect(sumCost([{ costUsd: 0.1 }, { costUsd: 0.2 }, {}])).toBe(0.3);
  });
});
