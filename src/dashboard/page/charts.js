// Plain SVG charts for the dashboard: a timeline of attempts per agent, and a line over time.
// Everything is built with DOM calls and textContent; no text from tasks goes through innerHTML.
'use strict';
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  // SVG attributes take plain colours; these match the variables of style.css.
  const OUTCOME_COLOR = { done: '#2e9d5b', failed: '#d64545', running: '#3b73d9', retry: '#9a6fd6', requeued: '#8a8f99', lost: '#8a8f99', held: '#c98a12', rejected: '#d64545', landing: '#c98a12' };

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function clock(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0') + ':' + String(d.getSeconds()).padStart(2, '0');
  }

  function axis(svg, x0, x1, from, to, y) {
    for (let i = 0; i <= 4; i++) {
      const x = x0 + ((x1 - x0) * i) / 4;
      el('line', { x1: x, x2: x, y1: 0, y2: y, stroke: '#e5e8ee' }, svg);
      const label = el('text', { x, y: y + 12, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, svg);
      label.textContent = clock(from + ((to - from) * i) / 4);
    }
  }

  // One row per agent; each attempt a bar from start to the agent's end, then a thinner segment
  // for what followed until the task left the attempt (landing), coloured by outcome.
  function gantt(container, view, onPick) {
    container.replaceChildren();
    const attempts = view.attempts;
    if (!attempts.length || view.fromMs === null) {
      container.textContent = 'No attempts yet.';
      return;
    }
    const agents = [...new Set(attempts.map((a) => a.agent))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const width = Math.max(container.clientWidth, 400);
    const left = 70, right = 8, row = 18, top = 2;
    const height = top + agents.length * row + 16;
    const from = view.fromMs, to = Math.max(view.toMs, from + 1000);
    const x = (t) => left + ((width - left - right) * (t - from)) / (to - from);
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, height, role: 'img', 'aria-label': 'Attempts per agent over time' });
    axis(svg, left, width - right, from, to, top + agents.length * row);
    agents.forEach((agent, i) => {
      const label = el('text', { x: 0, y: top + i * row + 12 }, svg);
      label.textContent = agent;
    });
    for (const a of attempts) {
      const y = top + agents.indexOf(a.agent) * row + 3;
      const end = a.finishedMs ?? view.toMs;
      const color = OUTCOME_COLOR[a.outcome] || OUTCOME_COLOR.lost;
      const bar = el('rect', { x: x(a.startMs), y, width: Math.max(1.5, x(end) - x(a.startMs)), height: row - 6, fill: color, rx: 2, 'data-task': a.task, class: 'attempt' }, svg);
      const title = el('title', {}, bar);
      title.textContent = `${a.task} (attempt ${a.attempt ?? '?'}): ${a.outcome}`;
      if (onPick) bar.addEventListener('click', () => onPick(a.task));
      if (a.endMs !== null && a.endMs > end) {
        el('rect', { x: x(end), y: y + 4, width: Math.max(1, x(a.endMs) - x(end)), height: row - 14, fill: OUTCOME_COLOR.landing, opacity: 0.7 }, svg);
      }
    }
    container.appendChild(svg);
  }

  // A step line of cumulative values over time.
  function line(container, points, color, format) {
    container.replaceChildren();
    if (points.length === 0) {
      container.textContent = 'Nothing finished yet.';
      return;
    }
    const width = Math.max(container.clientWidth, 240), height = 120, left = 44, bottom = 16;
    const from = points[0][0], to = Math.max(points[points.length - 1][0], from + 60_000);
    const max = Math.max(...points.map((p) => p[1]), 1e-9);
    const x = (t) => left + ((width - left - 6) * (t - from)) / (to - from);
    const y = (v) => 4 + (height - bottom - 4) * (1 - v / max);
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, height, role: 'img' });
    axis(svg, left, width - 6, from, to, height - bottom);
    for (const v of [0, max]) {
      const t = el('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end' }, svg);
      t.textContent = format(v);
    }
    let d = `M ${x(from)} ${y(0)}`;
    for (const [t, v] of points) d += ` H ${x(t)} V ${y(v)}`;
    el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }, svg);
    container.appendChild(svg);
  }

  window.plCharts = { gantt, line, OUTCOME_COLOR };
})();
