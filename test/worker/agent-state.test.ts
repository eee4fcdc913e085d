import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AgentStateWriter } from '../../src/worker/agent-state.js';
import { layoutFor } from '../../src/queue/layout.js';
import { tmpRepo } from '../helpers/tmp.js';

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { phase: string; task?: string; beat: number };

describe('AgentStateWriter', () => {
  it('writes the changes of one turn of the event loop once, at its end; flush writes at once', async () => {
    const writer = new AgentStateWriter(layoutFor(tmpRepo()), { agentId: 'agent-1' });
    expect(read(writer.file).phase).toBe('starting');
    const first = read(writer.file).beat;
    writer.set({ phase: 'idle' });
    writer.set({ phase: 'claiming' });
    writer.set({ phase: 'worktree', task: 'fix' });
    // Not yet: the three changes are written together after this turn.
    expect(read(writer.file).phase).toBe('starting');
    await nextTurn();
    expect(read(writer.file)).toMatchObject({ phase: 'worktree', task: 'fix', beat: first + 1 });
    writer.clearTask('stopping');
    writer.flush();
    expect(read(writer.file)).toMatchObject({ phase: 'stopping', beat: first + 2 });
    expect(read(writer.file).task).toBeUndefined();
    await nextTurn();
    // Nothing was left pending by flush.
    expect(read(writer.file).beat).toBe(first + 2);
    expect(fs.readdirSync(path.dirname(writer.file)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
