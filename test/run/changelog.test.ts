// The changelog option through a real run: parallel tasks each land their entry under ## Unreleased in
// their own landing commit, with no conflict on the file, even when agents edit it anyway.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRepo } from '../helpers/tmp.js';
import { git, killProcessesIn, readEvents, runCli, tasksIn, writeConfig, writeTask } from '../helpers/run-cli.js';

let repo = '';
afterEach(() => killProcessesIn(repo));

describe('run: changelog', () => {
  it('6 tasks on 3 agents land with their entries, each once, without a conflict; agents are told to leave the file alone', async () => {
    repo = tmpRepo({ 'README.md': '# r\n', 'CHANGELOG.md': '# Changelog\n\n## 0.1.0\n\n- First release\n' });
    writeConfig(repo, { changelog: 'CHANGELOG.md' });
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
    for (const [i, id] of ids.entries()) {
      // Odd tasks edit the changelog anyway, at the same line: without the option these would conflict.
      const edit = i % 2 === 0 ? `; echo "- ${id}, written by the agent" >> CHANGELOG.md` : '';
      const fields = i < 3 ? { changelog: `Entry of ${id}` } : {};
      writeTask(repo, id, { agent: 'shell', run: `sleep 0.5; echo ${id} > ${id}.txt${edit}`, ...fields }, `# Title of ${id}\n\nWrite ${id}.txt.`);
    }
    const result = await runCli(repo, ['run', '--agents', '3', '--once', '--rescan-ms', '100', '--retry-backoff-ms', '50']);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(tasksIn(repo, 'done').sort()).toEqual(ids.map((id) => `${id}.json`));
    const events = readEvents(repo);
    expect(events.filter((e) => e.type === 'conflict')).toEqual([]);
    const changelog = git(repo, 'show', 'main:CHANGELOG.md');
    const entries = changelog.split('\n').filter((l) => l.startsWith('- ') && l !== '- First release');
    const expected = ids.map((id, i) => (i < 3 ? `- Entry of ${id}` : `- Title of ${id}`));
    expect([...entries].sort()).toEqual(expected.sort());
    expect(changelog).not.toContain('written by the agent');
    expect(changelog).toMatch(/^# Changelog\n\n## Unreleased\n\n(- .*\n){6}\n## 0\.1\.0\n\n- First release$/);
    // Each entry came with its task's landing commit.
    for (const id of ids) {
      const landing = git(repo, 'log', '--first-parent', '--format=%H', `--grep=Parallel-Loop-Task: ${id}$`, 'main').split('\n');
      expect(landing).toHaveLength(1);
      expect(git(repo, 'diff', '--name-only', `${landing[0]}^`, landing[0]).split('\n').sort()).toEqual(['CHANGELOG.md', `${id}.txt`]);
    }
    const landed = events.filter((e) => e.type === 'landed');
    expect(landed.filter((e) => e.changelog?.dropped).map((e) => e.task).sort()).toEqual(['t1', 't3', 't5']);
    const prompts = path.join(repo, '.parallel-loop', 'agents');
    const prompt = fs.readdirSync(prompts).flatMap((a) => fs.readdirSync(path.join(prompts, a, 'prompts')).map((f) => path.join(prompts, a, 'prompts', f)))[0]!;
    expect(fs.readFileSync(prompt, 'utf8')).toContain('Do not edit CHANGELOG.md');
  });
});
