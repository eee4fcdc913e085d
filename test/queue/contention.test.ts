import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';

const racer = path.resolve('stress/claim-racer.js');

function runRacer(repo: string, agentId: string, startFile: string): Promise<{ claimed: string[]; racesLost: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [racer, repo, agentId, startFile], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    const racers = Array.from({ length: 10 }, (_, i) => runRacer(repo, `agent-${i + 1}`, startFile));
    // Let every racer index the inbox before the start signal, so they really race.
    await new Promise((r) => setTimeout(r, 1500));
    fs.writeFileSync(startFile, '');
    const results = await Promise.all(racers);

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
