// How each tool is given the same tasks and run headless with N agents (facts in shared/design/PEERS.md).
// `prepare` writes the tool's task list into a fresh repository (committed when the tool expects it so);
// `command` is the argument array that runs the whole queue once.
import fs from 'node:fs';
import path from 'node:path';

const yamlString = (text) => JSON.stringify(text); // a JSON string is a valid YAML double-quoted scalar

export const TOOLS = {
  'parallel-loop': {
    // Its queue is plain files it moves between folders; they stay untracked (they are its input, not the work).
    prepare(repo, tasks) {
      fs.mkdirSync(path.join(repo, 'queue'), { recursive: true });
      for (const t of tasks) fs.writeFileSync(path.join(repo, 'queue', `${t.id}.md`), `---\nid: ${t.id}\n---\n${t.text}\n`);
      return { commit: false };
    },
    command: ({ cli, agents }) => ({ file: process.execPath, args: [cli, 'run', '--agents', String(agents), '--once', '--agent', 'claude'] }),
  },
  'ralphy-cli': {
    // Only the title reaches the agent; without `parallel_group` tasks run one at a time.
    prepare(repo, tasks) {
      const lines = ['tasks:', ...tasks.flatMap((t) => [`  - title: ${yamlString(t.text)}`, '    completed: false', '    parallel_group: 1'])];
      fs.writeFileSync(path.join(repo, 'tasks.yaml'), lines.join('\n') + '\n');
      return { commit: true };
    },
    command: ({ program, agents }) => ({ file: program.file, args: [...program.args, '--yaml', 'tasks.yaml', '--parallel', '--max-parallel', String(agents), '--fast', '--claude'] }),
  },
  'ralph-tui': {
    // autoCommit (else --parallel asks a question), the key passed through (else stripped), the current
    // configVersion (else it rewrites the committed config and then refuses the dirty tree).
    prepare(repo, tasks) {
      fs.mkdirSync(path.join(repo, '.ralph-tui'), { recursive: true });
      fs.writeFileSync(path.join(repo, '.ralph-tui', 'config.toml'), 'configVersion = "2.1"\nautoCommit = true\nenvPassthrough = ["ANTHROPIC_API_KEY"]\n');
      const userStories = tasks.map((t) => ({ id: t.id, title: `Task ${t.id}`, description: t.text, passes: false, dependsOn: [] }));
      fs.writeFileSync(path.join(repo, 'prd.json'), JSON.stringify({ name: 'bench', userStories }, null, 2) + '\n');
      return { commit: true };
    },
    command: ({ program, agents }) => ({
      file: program.file,
      args: [...program.args, 'run', '--prd', 'prd.json', '--headless', '--parallel', String(agents), '--direct-merge', '--agent', 'claude', '--no-setup'],
    }),
  },
};
