// The two workloads of bench:peers. Each task is one line of text, which every tool hands its agent as it
// is (ralphy passes only a task's title, so the whole task is its title), and the files it must leave on the
// target branch once landed. The scripted API (fake-api.js) reads the marker in the line.
import { bashMarker, writeMarker } from './fake-api.js';

const id = (i) => `t${String(i).padStart(2, '0')}`;

export const WORKLOADS = {
  files: {
    describe: 'the agent (Claude Code, scripted) writes two files',
    tasks: (n) =>
      Array.from({ length: n }, (_, k) => {
        const files = [`work/${id(k + 1)}-a.txt`, `work/${id(k + 1)}-b.txt`];
        return { id: id(k + 1), text: `Task ${id(k + 1)}: ${writeMarker(files)}`, files };
      }),
  },
  shell: {
    describe: 'a one-second shell command through Claude\'s Bash tool (`sleep 1`, then write a file)',
    tasks: (n) =>
      Array.from({ length: n }, (_, k) => ({ id: id(k + 1), text: `Task ${id(k + 1)}: ${bashMarker(id(k + 1))}`, files: [`out/${id(k + 1)}.txt`] })),
  },
};
