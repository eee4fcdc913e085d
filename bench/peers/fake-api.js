// The scripted Messages API the peers benchmark runs every tool's Claude Code against: the test suite's fake
// (test/fixtures/fake-anthropic.mjs) with a script for the two workloads. A task's prompt carries a marker;
// whichever tool built the prompt around it, the marker says what the scripted agent does:
//   PLB-WRITE <file> <file>  two Write tool calls (one per turn), then a final answer;
//   PLB-BASH <id>            one Bash tool call, `sleep 1` and write out/<id>.txt, then a final answer.
// The final answer ends with `<promise>COMPLETE</promise>`, which ralph-tui needs to count a task done
// (harmless to the others). Requests without those tools (the CLI's own side requests) get a short text.
import { startFakeAnthropic } from '../../test/fixtures/fake-anthropic.mjs';

export const FINAL_TEXT = 'Done: the files are written. <promise>COMPLETE</promise>';

/** The marker of a "write two files" task. Paths are relative to the repository root, without spaces. */
export const writeMarker = (files) => `PLB-WRITE ${files.join(' ')}`;

/** The marker of a "one-second shell command" task. */
export const bashMarker = (id) => `PLB-BASH ${id}`;

/** The shell command a PLB-BASH task runs through Claude's Bash tool. */
export const bashCommand = (id) => `sleep 1 && mkdir -p out && echo ${id} > out/${id}.txt`;

function text(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? text(b.content) : '')).join('\n');
}

function workingDirectory(body) {
  const system = typeof body.system === 'string' ? body.system : text(body.system ?? []);
  const all = [system, ...(body.messages ?? []).map((m) => text(m.content))].join('\n');
  return /(?:Primary working directory|Working directory):\s*(\S+)/.exec(all)?.[1];
}

/** Tool results so far in the conversation: the step the scripted agent is at. */
function stepOf(messages) {
  let n = 0;
  for (const m of messages) if (Array.isArray(m.content)) n += m.content.filter((b) => b.type === 'tool_result').length;
  return n;
}

export function benchScript(body) {
  const messages = body.messages ?? [];
  const prompt = messages.filter((m) => m.role === 'user').map((m) => text(m.content)).join('\n');
  const tools = new Set((body.tools ?? []).map((t) => t.name));
  const step = stepOf(messages);
  const write = /PLB-WRITE\s+(\S+)\s+(\S+)/.exec(prompt);
  if (write && tools.has('Write')) {
    const files = [write[1], write[2]];
    if (step >= files.length) return { content: [{ type: 'text', text: FINAL_TEXT }] };
    const cwd = workingDirectory(body) ?? process.cwd();
    const file = files[step];
    const input = { file_path: `${cwd}/${file}`, content: `written by the scripted agent: ${file}\n` };
    return { content: [{ type: 'text', text: `Writing ${file}.` }, { type: 'tool_use', name: 'Write', input }] };
  }
  const bash = /PLB-BASH\s+([A-Za-z0-9_-]+)/.exec(prompt);
  if (bash && tools.has('Bash')) {
    if (step >= 1) return { content: [{ type: 'text', text: FINAL_TEXT }] };
    const input = { command: bashCommand(bash[1]), description: 'Run the task command' };
    return { content: [{ type: 'text', text: 'Running the command.' }, { type: 'tool_use', name: 'Bash', input }] };
  }
  return { content: [{ type: 'text', text: 'ok' }] };
}

/** Start the fake API with the bench's script; `unhandled` collects requests to paths it does not serve. */
export async function startBenchApi() {
  const unhandled = [];
  const api = await startFakeAnthropic({ script: benchScript, log: (line) => unhandled.push(line) });
  return { ...api, unhandled };
}
