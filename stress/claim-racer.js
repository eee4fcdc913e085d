// One racing claimer: indexes the inbox, writes its ready file, waits for the start file, then claims
// every task it can from the inbox, finishing each at once (running/ → done/, generation released).
// Prints one JSON line of results. Used by test/queue/contention.test.ts and stress/contention.js.
//   node stress/claim-racer.js <repo> <agentId> <startFile> <readyFile>
import fs from 'node:fs';
import os from 'node:os';
import { layoutFor } from '../dist/queue/layout.js';
import { QueueStore } from '../dist/queue/store.js';
import { InboxIndex } from '../dist/queue/inbox.js';
import { takeTask } from '../dist/queue/take.js';

const [repo, agentId, startFile, readyFile] = process.argv.slice(2);
const store = new QueueStore(layoutFor(repo));
store.init();
const index = new InboxIndex(store);
index.refresh();
// Ready only once indexed: the caller starts the race when every racer has said so, so they really race.
fs.writeFileSync(readyFile, '');

while (!fs.existsSync(startFile)) await new Promise((r) => setTimeout(r, 2));

const claimed = [];
const started = process.hrtime.bigint();
let rounds = 0;
for (;;) {
  rounds++;
  let progress = false;
  for (const entry of [...index.ordered()]) {
    const result = takeTask(store, entry, { agentId, pid: process.pid, host: os.hostname() });
    index.remove(entry.file);
    if (!result.ok) continue;
    progress = true;
    claimed.push(result.task.id);
    store.move(result.file, 'running', 'done');
    store.claims.release(result.task.id, result.gen, { outcome: 'done', agentId }, agentId);
  }
  if (!progress) {
    index.refresh();
    if (index.size === 0) break;
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ agentId, claimed, racesLost: store.claims.racesLost, seconds, rounds }) + '\n');
