// The dashboard page: live from /api/live (server-sent events), actions by POST with the CSRF token.
// Every text that comes from a task, an agent or a log is set with textContent, never as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  let csrf = '';
  let board = null;
  let timeline = null;
  let openTask = null;
  let logSource = null;
  let lastQueued = -1;

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  const fmt = {
    duration(ms) {
      if (ms === null || ms === undefined) return '–';
      const s = Math.round(ms / 1000);
      if (s < 60) return s + 's';
      const m = Math.floor(s / 60);
      if (m < 60) return m + 'm' + String(s % 60).padStart(2, '0') + 's';
      return Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0') + 'm';
    },
    cost(usd) {
      return usd === null || usd === undefined ? '–' : '$' + (usd < 10 ? usd.toFixed(2) : usd.toFixed(0));
    },
    bytes(b) {
      if (b === null || b === undefined) return '–';
      return b < 1 << 20 ? Math.round(b / 1024) + ' KiB' : (b / (1 << 20)).toFixed(0) + ' MiB';
    },
  };

  async function api(path, options) {
    const res = await fetch(path, { credentials: 'same-origin', ...options });
    const body = await res.json().catch(() => ({ error: { message: res.statusText } }));
    if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
    return body;
  }

  function post(path, body) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body || {}) });
  }

  // --- board -----------------------------------------------------------------------------------

  function card(c, column) {
    const meta = [c.agent, c.attempt !== null ? 'attempt ' + c.attempt : null, c.elapsedMs !== null ? fmt.duration(c.elapsedMs) : null, c.costUsd !== null ? fmt.cost(c.costUsd) : null, c.phase && column !== 'landing' ? c.phase : null].filter(Boolean).join(' · ');
    return h('article', { class: 'card' + (c.waiting ? ' waiting' : '') + (c.escalated ? ' escalated' : ''), 'data-task': c.id, tabindex: 0, onclick: () => showTask(c.id), onkeydown: (e) => e.key === 'Enter' && showTask(c.id) },
      h('div', { class: 'id' }, c.escalated ? '[escalated] ' + c.id : c.id),
      c.title && c.title !== c.id ? h('div', { class: 'title' }, c.title) : null,
      meta ? h('div', { class: 'meta' }, meta) : null,
      c.url ? prLink(c.url) : null,
      c.reason ? h('div', { class: 'reason' }, c.reason) : null);
  }

  // A pull request's URL comes from a command's output: only an http(s) address becomes a link.
  function prLink(url) {
    if (!/^https?:\/\//.test(url)) return h('div', { class: 'pr' }, url);
    return h('div', { class: 'pr' }, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', onclick: (e) => e.stopPropagation() }, 'pull request'));
  }

  function renderBoard() {
    const root = $('board');
    root.style.setProperty('--columns', String(board.columns.length));
    const columns = board.columns.map((col) => {
      const more = col.count - col.cards.length;
      const state = col.id === 'done' ? 'done' : col.id === 'failed' ? 'failed' : col.id === 'queued' ? 'inbox' : null;
      return h('section', { class: 'column', 'data-column': col.id },
        h('h2', {}, col.title, h('span', { class: 'count', 'data-column-count': col.id }, String(col.count))),
        ...col.cards.map((c) => card(c, col.id)),
        more > 0 && state ? h('button', { class: 'more', type: 'button', onclick: () => showList(state, col.title, 0) }, `all ${col.count} …`) : null);
    });
    root.replaceChildren(...columns);
    const c = board.counts;
    const counts = [['queued', board.columns[0].count], ['inbox', c.inbox], ['running', c.running], ['landing', c.landing], ['done', c.done], ['failed', c.failed], ['rejected', c.rejected]];
    $('counts').replaceChildren(...counts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-count': k }, String(v)))));
    $('rate').textContent = `${board.throughput.donePerHour}/h` + (board.work.speedup !== null ? ` · speed-up ${board.work.speedup}×` : '');
    $('cost').textContent = fmt.cost(board.costUsd);
    renderAgents();
    if (board.counts.inbox !== lastQueued) {
      lastQueued = board.counts.inbox;
      loadPlan();
    }
  }

  function renderAgents() {
    // Several hosts on one queue: a row naming each host before its agents (they come grouped by host).
    const grouped = board.hosts.length > 1;
    let host = null;
    const rows = board.agents.flatMap((a) => {
      const head = grouped && a.host !== host ? [hostRow(a.host)] : [];
      host = a.host;
      return [...head, agentRow(a)];
    });
    $('agents').tBodies[0].replaceChildren(...rows);
  }

  function hostRow(name) {
    const hostInfo = board.hosts.find((x) => x.host === name);
    const stale = hostInfo && hostInfo.stale > 0 ? ' · ' + hostInfo.stale + ' stale' : '';
    const count = hostInfo ? hostInfo.agents : 0;
    return h('tr', { class: 'host', 'data-host': name }, h('th', { colspan: '8' }, 'host ' + name + ' · ' + count + (count === 1 ? ' agent' : ' agents') + stale));
  }

  function agentRow(a) {
    const cls = a.alive === false ? 'gone' : a.stale ? 'stale' : '';
    return h('tr', { class: cls, 'data-agent': a.id },
      h('td', {}, a.id),
      h('td', {}, a.alive === false ? 'gone (' + a.phase + ')' : a.phase),
      h('td', {}, a.task ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); showTask(a.task); } }, a.task) : '–'),
      h('td', { class: 'hb' }, fmt.duration(a.heartbeatAgeMs) + (a.stale ? ' (stale)' : '')),
      h('td', {}, a.cpu === null ? '–' : a.cpu + '%'),
      h('td', {}, fmt.bytes(a.memoryBytes)),
      h('td', {}, fmt.cost(a.costUsd)),
      h('td', {}, a.alive && a.task ? h('button', { type: 'button', class: 'danger', onclick: () => act('agents', a.id, 'kill') }, 'kill') : null));
  }

  function renderTimeline() {
    window.plCharts.gantt($('timeline'), timeline, showTask);
    window.plCharts.line($('throughput'), timeline.series.map((p) => [p[0], p[1]]), window.plCharts.OUTCOME_COLOR.done, (v) => String(Math.round(v)));
    window.plCharts.line($('spend'), timeline.series.map((p) => [p[0], p[3]]), window.plCharts.OUTCOME_COLOR.landing, fmt.cost);
  }

  async function loadPlan() {
    try {
      const plan = await api('/api/plan');
      const ids = plan.criticalPath.ids;
      const root = $('plan');
      if (ids.length === 0) return root.replaceChildren(h('p', { class: 'muted' }, 'Nothing waits in the queue.'));
      const path = h('p', { class: 'path' });
      ids.forEach((id, i) => {
        if (i > 0) path.append(h('span', { class: 'arrow' }, '→'));
        path.append(h('a', { href: '#', onclick: (e) => { e.preventDefault(); showTask(id); } }, id));
      });
      root.replaceChildren(path, h('p', { class: 'muted' }, `${Math.round(plan.criticalPath.minutes)} min on the critical path · about ${Math.round(plan.expectedWallMinutes)} min with ${plan.agents} agents`));
    } catch (err) {
      $('plan').replaceChildren(h('p', { class: 'message error' }, err.message));
    }
  }

  // --- detail ----------------------------------------------------------------------------------

  function closeDetail() {
    $('detail').hidden = true;
    openTask = null;
    if (logSource) logSource.close();
    logSource = null;
  }

  async function showList(state, title, offset) {
    const page = await api(`/api/tasks?state=${state}&offset=${offset}&limit=100`);
    const nav = h('div', { class: 'actions' },
      offset > 0 ? h('button', { type: 'button', onclick: () => showList(state, title, Math.max(0, offset - 100)) }, '← previous') : null,
      offset + 100 < page.total ? h('button', { type: 'button', onclick: () => showList(state, title, offset + 100) }, 'next →') : null);
    $('detail-body').replaceChildren(h('h2', {}, `${title}: ${page.total}`), h('p', { class: 'muted' }, `${offset + 1}–${offset + page.tasks.length}, by id`), nav,
      h('ul', {}, ...page.tasks.map((t) => h('li', {}, h('a', { href: '#', onclick: (e) => { e.preventDefault(); showTask(t.id); } }, t.id), t.title && t.title !== t.id ? ' – ' + t.title : ''))));
    $('detail').hidden = false;
  }

  async function showTask(id) {
    if (logSource) logSource.close();
    logSource = null;
    openTask = id;
    const body = $('detail-body');
    body.replaceChildren(h('p', { class: 'muted' }, 'loading ' + id + ' …'));
    $('detail').hidden = false;
    let t;
    try {
      t = await api('/api/tasks/' + encodeURIComponent(id));
    } catch (err) {
      return body.replaceChildren(h('p', { class: 'message error' }, err.message));
    }
    const message = h('p', { class: 'message', role: 'status' });
    const button = (label, action, danger) => h('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': action, onclick: () => act('tasks', id, action, message) }, label);
    const actions = h('div', { class: 'actions' },
      t.state === 'failed' ? button('Retry', 'retry') : null,
      t.state === 'inbox' || t.state === 'running' ? button('Cancel', 'cancel', true) : null,
      t.state === 'running' ? button('Kill attempt', 'kill', true) : null);
    const fields = Object.entries(t.fields).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join('\n');
    const attempts = h('table', {}, h('thead', {}, h('tr', {}, ...['gen', 'agent', 'outcome', 'time', 'cost', 'reason / note'].map((c) => h('th', {}, c)))),
      h('tbody', {}, ...t.attempts.map((a) => h('tr', {},
        h('td', {}, String(a.gen)), h('td', {}, a.agent || '–'), h('td', {}, a.outcome || '–'), h('td', {}, fmt.duration(a.durationMs)), h('td', {}, fmt.cost(a.costUsd)),
        h('td', { class: 'wrap' }, a.url ? prLink(a.url) : null, [a.reason, a.note].filter(Boolean).join(' — ') || (a.url ? null : '–'))))));
    const diff = h('pre', { class: 'diff' }, 'loading …');
    const log = h('pre', { class: 'log' }, '');
    body.replaceChildren(h('h2', {}, t.id), h('p', { class: 'muted' }, `${t.state === 'inbox' ? 'queued' : t.state} · ${t.file}`), t.title ? h('p', {}, t.title) : null, actions, message,
      h('h3', {}, 'Prompt'), h('pre', { class: 'prompt' }, t.prompt ?? t.problems.join('\n')),
      fields ? h('pre', {}, fields) : null,
      h('h3', {}, 'Attempts'), t.attempts.length ? attempts : h('p', { class: 'muted' }, 'none yet'),
      h('h3', {}, 'Diff against the target'), diff,
      h('h3', {}, 'Agent log'), log);
    api('/api/tasks/' + encodeURIComponent(id) + '/diff').then((d) => renderDiff(diff, d), (err) => (diff.textContent = err.message));
    if (t.attempts.some((a) => a.hasLog) || t.state === 'running') followLog(id, log);
    else log.textContent = 'no agent has run yet';
  }

  function renderDiff(pre, d) {
    if (!d.ref) return (pre.textContent = 'no branch or landed commit yet');
    const lines = d.diff.split('\n').slice(0, 4000).map((l) => h('span', { class: l.startsWith('+') && !l.startsWith('+++') ? 'diff-add' : l.startsWith('-') && !l.startsWith('---') ? 'diff-del' : l.startsWith('@@') ? 'diff-hunk' : '' }, l + '\n'));
    pre.replaceChildren(h('span', { class: 'muted' }, d.ref + (d.truncated ? ' (cut)' : '') + '\n'), ...lines);
    if (!d.diff) pre.append('(no changes)');
  }

  function followLog(id, pre) {
    const source = new EventSource('/api/tasks/' + encodeURIComponent(id) + '/log');
    logSource = source;
    let ended = false;
    source.addEventListener('start', (e) => {
      const s = JSON.parse(e.data);
      pre.textContent = '';
      pre.dataset.gen = s.gen;
    });
    source.onmessage = (e) => {
      const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.append(JSON.parse(e.data) + '\n');
      if (stick) pre.scrollTop = pre.scrollHeight;
    };
    source.addEventListener('end', () => {
      ended = true;
      source.close();
    });
    source.onerror = () => {
      if (ended) return;
      if (!pre.textContent) pre.textContent = 'no log yet';
      source.close();
    };
  }

  async function act(kind, target, action, message) {
    const where = message || $('add-result');
    where.className = 'message';
    where.textContent = action + ' ' + target + ' …';
    try {
      const r = await post(`/api/${kind}/${encodeURIComponent(target)}/${action}`);
      where.textContent = r.message;
    } catch (err) {
      where.className = 'message error';
      where.textContent = err.message;
    }
  }

  $('add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const out = $('add-result');
    const body = Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => String(v).trim() !== ''));
    out.className = 'message';
    out.textContent = 'adding …';
    try {
      const r = await post('/api/tasks', body);
      out.textContent = r.message;
      form.reset();
    } catch (err) {
      out.className = 'message error';
      out.textContent = err.message;
    }
  });
  $('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (e) => e.key === 'Escape' && closeDetail());

  // --- live --------------------------------------------------------------------------------------

  function setLive(state, text) {
    $('live').dataset.state = state;
    $('live').textContent = text;
  }

  // EventSource retries by itself after a dropped connection; after a refused one (a restart that took
  // a moment) it gives up, so this starts it again until the server answers.
  function connect() {
    const source = new EventSource('/api/live');
    source.addEventListener('board', (e) => {
      board = JSON.parse(e.data);
      setLive('live', board.active ? 'live' : 'live · no run going');
      renderBoard();
    });
    source.addEventListener('timeline', (e) => {
      timeline = JSON.parse(e.data);
      renderTimeline();
    });
    source.onerror = () => {
      setLive('reconnecting', 'reconnecting…');
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
    };
  }

  async function start() {
    try {
      const session = await api('/api/session');
      csrf = session.csrf;
      $('repo').textContent = session.repo;
    } catch (err) {
      setLive('reconnecting', err.message);
      return setTimeout(start, 1000);
    }
    // The token is in the cookie now; take it out of the address bar and the history.
    if (location.search.includes('token=')) history.replaceState(null, '', location.pathname);
    const legend = $('legend');
    const colors = window.plCharts.OUTCOME_COLOR;
    for (const k of ['done', 'failed', 'running', 'retry', 'landing', 'requeued']) {
      const color = colors[k];
      const i = document.createElement('i');
      i.style.background = color;
      legend.append(h('span', {}, i, k));
    }
    connect();
  }
  window.addEventListener('resize', () => timeline && renderTimeline());
  start();
})();
