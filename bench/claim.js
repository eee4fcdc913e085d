// Benchmark: claim throughput of one process with 100 and with 100,000 tasks waiting, in one run.
// Each claim links a generation, moves the task to running/ and re-reads it; the inbox is indexed once,
// so a claim must not cost more with a larger inbox. Goal: the large queue keeps >= half the claims/s.
//   npm run bench:claim [-- --claims 100 --large 100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { layoutFor } from '../dist/queue/layout.js';
import { QueueStore } from '../dist/queue/store.js';
import { InboxIndex } from '../dist/queue/inbox.js';
import { takeTask } from '../dist/queue/take.js';

const { values } = parseArgs({ options: { claims: { type: 'string', default: '100' }, large: { type: 'string', default: '100000' } } });
const claims = Number(values.claims);

function measure(pending) {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-bench-claim-'));
  const queue = path.join(repo, 'queue');
  fs.mkdirSync(queue);
  for (let i = 0; i < pending; i++) fs.writeFileSync(path.join(queue, `t${String(i).padStart(6, '0')}.md`), `task ${i}\n`);
  const store = new QueueStore(layoutFor(repo));
  store.init();
  const index = new InboxIndex(store);
  const t0 = process.hrtime.bigint();
  index.refresh();
  const indexMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const owner = { agentId: 'bench', pid: process.pid, host: os.hostname() };
  const t1 = process.hrtime.bigint();
  let got = 0;
  for (const entry of index.ordered().slice(0, claims)) {
    const r = takeTask(store, entry, owner);
    index.remove(entry.file);
    if (r.ok) got++;
  }
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  fs.rmSync(repo, { recursive: true, force: true });
  return { pending, got, perSecond: got / seconds, indexMs };
}

const small = measure(Number(claims));
const large = measure(Number(values.large));
for (const r of [small, large]) {
  console.log(`${String(r.pending).padStart(7)} pending: ${Math.round(r.perSecond)} claims/s (${r.got} claims; indexing the inbox once took ${r.indexMs.toFixed(0)} ms)`);
}
const ratio = large.perSecond / small.perSecond;
console.log(`ratio large/small: ${ratio.toFixed(2)} (goal >= 0.50) ${ratio >= 0.5 ? 'OK' : 'BELOW GOAL'}`);
