import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';

const racer = path.resolve('stress/claim-racer.js');

function runRacer(repo: string, agentId: string, startFile: string, readyFile: string): Promise<{ claimed: string[]; racesLost: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [racer, repo, agentId, startFile, readyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`racer ${agentId} exited ${code}`))));
  });
}

describe('claims under contention', () => {
  it('10 processes racing for 200 tasks claim each exactly once, and losers are seen', async () => {
    const repo = tmpDir();
    const queue = path.join(repo, 'queue');
    fs.mkdirSync(queue, { recursive: true });
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(queue, `task-${String(i).padStart(3, '0')}.md`), `Do thing ${i}\n`);
    const startFile = path.join(repo, 'go');
    const readyFiles = Array.from({ length: 10 }, (_, i) => path.join(repo, `ready-${i + 1}`));
    const racers = Promise.all(readyFiles.map((ready, i) => runRacer(repo, `agent-${i + 1}`, startFile, ready)));
    // Start the race once every racer has indexed the inbox, however long that takes on a busy machine;
    // a racer that dies before it is ready fails the test here instead of leaving it waiting.
    while (!readyFiles.every((f) => fs.existsSync(f))) await Promise.race([new Promise((r) => setTimeout(r, 10)), racers]);
    fs.writeFileSync(startFile, '');
    const results = await racers;

    const all = results.flatMap((r) => r.claimed);
    const counts = new Map<string, number>();
    for (const id of all) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect(counts.size).toBe(200);
    expect(fs.readdirSync(path.join(queue, 'done')).length).toBe(200);
    expect(fs.readdirSync(queue).filter((n) => n.endsWith('.md'))).toEqual([]);
    const racesLost = results.reduce((sum, r) => sum + r.racesLost, 0);
    expect(racesLost).toBeGreaterThan(0);
  });
});
