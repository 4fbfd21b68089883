// The chainmesh status page: polls /overview once a second and draws it. No libraries, nothing from elsewhere.
'use strict';

const POLL_MS = 1000;
const HISTORY = 120;           // samples kept for the trends (about 2 minutes)
const RECENT = 10;             // samples the latency histogram covers (about 10 s)
const SMOOTH = 3;              // samples each point of a trend spans
const SVG = 'http://www.w3.org/2000/svg';
const history = [];
let failures = 0;

const $ = (id) => document.getElementById(id);

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function td(text, cls) {
  const cell = document.createElement('td');
  if (cls) cell.className = cls;
  if (text instanceof Node) cell.appendChild(text); else cell.textContent = text;
  return cell;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return (ms * 1000).toFixed(0) + ' µs';
  if (ms < 10) return ms.toFixed(2) + ' ms';
  if (ms < 1000) return ms.toFixed(0) + ' ms';
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

function fmtCount(n) {
  if (n === null || n === undefined) return '–';
  if (n < 1000) return String(Math.round(n * 10) / 10);
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 2 : 1) + 'k';
  if (n < 1e9) return (n / 1e6).toFixed(n < 1e7 ? 2 : 1) + 'M';
  return (n / 1e9).toFixed(2) + 'G';
}

function fmtBytes(n) {
  const three = (v) => v < 100 ? v.toFixed(1) : v.toFixed(0);
  if (n < 1024) return Math.round(n) + ' B';
  if (n < 1024 * 1024) return three(n / 1024) + ' KiB';
  if (n < 1024 * 1024 * 1024) return three(n / 1024 / 1024) + ' MiB';
  return (n / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
}

function fmtDuration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

/** A collateral (txhash:index) or key, shortened: the start of the hash and the output index or the key's end. */
function shortId(id) {
  if (!id) return '?';
  const colon = id.lastIndexOf(':');
  return colon > 0 ? id.slice(0, 12) + '…' + id.slice(colon) : id.slice(0, 10) + '…' + id.slice(-6);
}

function delta(now, before) {
  return now.map((c, i) => Math.max(0, c - (before ? before[i] : 0)));
}

/** Value below which a fraction q of the counts lies, interpolated inside its bucket. */
function quantile(bounds, counts, q) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0 && seen + counts[i] >= target) {
      const low = i === 0 ? 0 : bounds[i - 1];
      const high = i < bounds.length ? bounds[i] : bounds[bounds.length - 1] * 2;
      return low + (high - low) * ((target - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1];
}

function fmtBound(ms) {
  const trim = (v) => String(Number(v.toPrecision(3)));
  if (ms < 1) return trim(ms * 1000) + 'µs';
  if (ms < 1000) return trim(ms) + 'ms';
  return trim(ms / 1000) + 's';
}

function bucketLabel(bounds, i) {
  return i >= bounds.length ? '>' + fmtBound(bounds[bounds.length - 1]) : '≤' + fmtBound(bounds[i]);
}

/** Bars for the buckets around those with counts (at least MIN_BARS), each labelled with its upper bound. */
function drawHistogram(svg, bounds, allCounts, barClass) {
  const MIN_BARS = 8;
  svg.replaceChildren();
  const [w, h] = [480, Number(svg.getAttribute('viewBox').split(' ')[3])];
  const left = 40, bottom = 22, top = 8;
  let first = allCounts.findIndex((c) => c > 0);
  let last = allCounts.length - 1 - [...allCounts].reverse().findIndex((c) => c > 0);
  if (first < 0) [first, last] = [0, MIN_BARS - 1];
  first = Math.max(0, first - 1);
  last = Math.min(allCounts.length - 1, Math.max(last + 1, first + MIN_BARS - 1));
  first = Math.max(0, Math.min(first, last - MIN_BARS + 1));
  const counts = allCounts.slice(first, last + 1);
  const max = Math.max(1, ...counts);
  const total = allCounts.reduce((a, b) => a + b, 0);
  const slot = (w - left - 4) / counts.length;
  // Every label, or every second or third one: whatever keeps them from overlapping (about 6.5 px a character).
  const widest = Math.max(...counts.map((c, k) => bucketLabel(bounds, first + k).length));
  const labelEvery = Math.ceil((widest * 6.5 + 6) / slot);
  for (let g = 0; g <= 2; g++) {
    const y = top + (h - top - bottom) * g / 2;
    svg.appendChild(el('line', {x1: left, x2: w - 4, y1: y, y2: y, class: 'gridline'}));
    svg.appendChild(el('text', {x: left - 6, y: y + 4, 'text-anchor': 'end'},
      total ? Math.round(100 * max * (2 - g) / 2 / total) + '%' : ''));
  }
  counts.forEach((c, k) => {
    const i = first + k;
    const bh = (h - top - bottom) * c / max;
    const x = left + k * slot;
    const bar = el('rect', {x: x + 2, y: h - bottom - bh, width: Math.max(1, slot - 4), height: bh, rx: 2,
      class: 'bar ' + (barClass || '')});
    bar.appendChild(el('title', {}, bucketLabel(bounds, i) + ': ' + c));
    svg.appendChild(bar);
    if (k % labelEvery === 0) {
      svg.appendChild(el('text', {x: x + slot / 2, y: h - 6, 'text-anchor': 'middle'}, bucketLabel(bounds, i)));
    }
  });
  svg.appendChild(el('line', {x1: left, x2: w - 4, y1: h - bottom, y2: h - bottom, class: 'axis'}));
  if (total === 0) {
    svg.appendChild(el('text', {x: w / 2, y: h / 2, 'text-anchor': 'middle'}, 'no samples yet'));
  }
}

function drawTrend(svg, series, colors, format) {
  svg.replaceChildren();
  const [w, h] = [480, Number(svg.getAttribute('viewBox').split(' ')[3])];
  const left = 54, top = 6, bottom = 6;
  const values = series.flat().filter((v) => v !== null && isFinite(v));
  const max = values.length ? Math.max(...values) * 1.1 || 1 : 1;
  for (let g = 0; g <= 1; g++) {
    const y = top + (h - top - bottom) * g;
    svg.appendChild(el('line', {x1: left, x2: w, y1: y, y2: y, class: 'gridline'}));
    svg.appendChild(el('text', {x: left - 6, y: y + 4, 'text-anchor': 'end'}, g === 1 ? '0' : format(max)));
  }
  // The x axis spans the samples so far (at least 30), up to the whole history.
  const span = Math.max(30, ...series.map((points) => points.length));
  series.forEach((points, s) => {
    let d = '';
    points.forEach((v, i) => {
      if (v === null || !isFinite(v)) return;
      const x = left + (w - left) * (i + span - points.length) / (span - 1);
      const y = top + (h - top - bottom) * (1 - v / max);
      d += (d && points[i - 1] !== null ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    });
    svg.appendChild(el('path', {d: d || 'M0 0', fill: 'none', stroke: colors[s], 'stroke-width': 2,
      'stroke-linejoin': 'round'}));
  });
}

function drawRing(overlay) {
  const svg = $('ring');
  svg.replaceChildren();
  const n = overlay.size, c = 120, r = 96;
  const at = (i) => {
    const a = -Math.PI / 2 + 2 * Math.PI * i / Math.max(1, n);
    return [c + r * Math.cos(a), c + r * Math.sin(a)];
  };
  svg.appendChild(el('circle', {cx: c, cy: c, r: r, fill: 'none', stroke: '#263241', 'stroke-width': 2}));
  if (n === 0 || overlay.selfIndex < 0) {
    svg.appendChild(el('text', {x: c, y: c + 4, 'text-anchor': 'middle'}, 'not in the directory'));
    return;
  }
  const [sx, sy] = at(overlay.selfIndex);
  for (const nb of overlay.neighbours) {
    if (nb.index < 0) continue;
    const [x, y] = at(nb.index);
    const up = nb.state === 'ACTIVE';
    svg.appendChild(el('path', {d: `M${sx} ${sy} Q${c} ${c} ${x} ${y}`, fill: 'none',
      stroke: up ? 'var(--good)' : 'var(--bad)', 'stroke-width': 1.6, opacity: up ? 0.8 : 0.9,
      'stroke-dasharray': up ? '' : '4 3'}));
  }
  const linked = new Map(overlay.neighbours.map((nb) => [nb.index, nb.state === 'ACTIVE']));
  if (n <= 512) {
    for (let i = 0; i < n; i++) {
      if (i === overlay.selfIndex) continue;
      const [x, y] = at(i);
      const state = linked.has(i) ? (linked.get(i) ? 'var(--good)' : 'var(--bad)') : '#3b4858';
      svg.appendChild(el('circle', {cx: x, cy: y, r: n > 64 ? 2.5 : 5, fill: state}));
    }
  } else {
    for (const [i, up] of linked) {
      const [x, y] = at(i);
      svg.appendChild(el('circle', {cx: x, cy: y, r: 3, fill: up ? 'var(--good)' : 'var(--bad)'}));
    }
  }
  svg.appendChild(el('circle', {cx: sx, cy: sy, r: 7, fill: 'var(--accent)', stroke: '#0f1419', 'stroke-width': 2}));
  svg.appendChild(el('text', {x: c, y: c - 4, 'text-anchor': 'middle', style: 'font-size:22px;fill:var(--text)'},
    '#' + overlay.selfIndex));
  svg.appendChild(el('text', {x: c, y: c + 16, 'text-anchor': 'middle'}, 'of ' + n + ' members'));
}

function renderPeers(overlay) {
  const body = document.querySelector('#peers tbody');
  body.replaceChildren();
  const rows = [...overlay.neighbours].sort((a, b) => a.index - b.index);
  for (const p of rows) {
    const tr = document.createElement('tr');
    tr.className = 'peer-row';
    tr.dataset.state = p.state;
    const state = document.createElement('span');
    state.className = 'state ' + p.state;
    state.textContent = p.state.toLowerCase();
    tr.title = 'collateral ' + p.member + (p.publicKey ? '\nkey ' + p.publicKey : '');
    tr.append(td(p.index >= 0 ? p.index : '–'), td(shortId(p.member), 'mono'), td(p.endpoint, 'mono muted'),
      td(p.dials ? 'dials' : 'accepts', 'muted'), td(state), td(fmtMs(p.rttLastMs), 'num'), td(fmtMs(p.rttEwmaMs), 'num'),
      td(fmtBytes(p.bytesIn), 'num'), td(fmtBytes(p.bytesOut), 'num'), td(fmtBytes(p.queuedBytes), 'num'));
    body.appendChild(tr);
  }
  const active = rows.filter((p) => p.state === 'ACTIVE').length;
  document.body.dataset.peersActive = String(active);
  $('peers-note').textContent = active + ' of ' + rows.length + ' linked';
  return active;
}

function renderOrigins(origins) {
  const body = document.querySelector('#origins tbody');
  body.replaceChildren();
  if (!origins) return;
  const worst = Math.max(1, ...origins.rows.map((o) => o.lastAgeMs));
  for (const o of origins.rows) {
    const tr = document.createElement('tr');
    tr.className = 'origin-row';
    const bar = document.createElement('div');
    const share = Math.log1p(Math.max(0, o.lastAgeMs)) / Math.log1p(Math.max(worst, 1000));
    bar.style.width = Math.max(3, Math.round(100 * share)) + '%';
    bar.className = o.missing > 0 || o.lastAgeMs > 1000 ? 'bad' : o.lastAgeMs > 100 ? 'warn' : '';
    const cell = td(bar, 'lagbar');
    tr.title = o.member ? 'collateral ' + o.member + '\nkey ' + o.publicKey : 'origin id ' + o.originId;
    tr.append(td(o.index >= 0 ? o.index : '–'), td(shortId(o.member || o.originId), 'mono'),
      td(fmtCount(o.messages), 'num'), td(String(o.missing), 'num'), td(fmtMs(o.lastAgeMs), 'num'),
      td(fmtMs(o.sinceLastMs), 'num'), cell);
    body.appendChild(tr);
  }
  $('origins-note').textContent = origins.count === 0 ? 'nothing delivered yet' :
    (origins.count > origins.rows.length ? 'laggiest ' + origins.rows.length + ' of ' : '') + origins.count + ' origins';
}

function render(o) {
  const s = o.status;
  history.push({latency: o.latency ? o.latency.counts : null, delivered: s.totals.messagesDelivered,
    published: s.totals.messagesPublished, t: o.nowMs});
  while (history.length > HISTORY + 1) history.shift();

  $('role').textContent = o.role;
  $('node-id').textContent = (o.member ? 'collateral ' + o.member + '  ·  key ' + shortId(o.publicKey) :
    'not in the directory') + '  ·  ' + s.listenAddress;
  $('build').textContent = 'chainmesh ' + o.version + ' (' + o.commit + ')';
  document.title = 'chainmesh · ' + o.role;

  const active = renderPeers(o.overlay);
  $('peers-active').textContent = String(active);
  $('peers-expected').textContent = 'of ' + o.overlay.neighbours.length + ' overlay neighbours';
  $('delivered-rate').textContent = fmtCount(s.rates.messagesDeliveredPerSec);
  $('published-rate').textContent = fmtCount(s.rates.messagesPublishedPerSec) + ' published/s · ' +
    fmtCount(s.totals.messagesDelivered) + ' delivered in all';
  $('bytes-rate').textContent = fmtBytes(s.rates.bytesInPerSec) + '/s';
  $('frames-rate').textContent = 'out ' + fmtBytes(s.rates.bytesOutPerSec) + '/s · frames ' +
    fmtCount(s.rates.framesInPerSec) + ' in, ' + fmtCount(s.rates.framesOutPerSec) + ' out /s';
  $('directory').textContent = s.directorySize + ' members';
  $('uptime').textContent = 'height ' + s.directoryHeight + ' · up ' + fmtDuration(s.uptimeMs);

  drawRing(o.overlay);
  const successors = o.overlay.ringSuccessors;
  $('overlay-text').textContent = 'Ring position ' + o.overlay.selfIndex + ' of ' + o.overlay.size + ': links to ' +
    successors + ' ring successor' + (successors === 1 ? '' : 's') + ' and fingers at c·4^j, ' +
    o.overlay.links + ' links in the whole overlay.';

  if (o.latency) {
    const bounds = o.latency.boundsMs;
    const now = o.latency.counts;
    // The last RECENT polls (fewer while the page is young); all of it when they saw nothing.
    const steps = Math.min(RECENT, history.length - 1);
    let counts = steps > 0 ? delta(now, history[history.length - 1 - steps].latency) : now;
    let note = steps > 0 ? 'last ' + steps + ' s' : 'since start';
    if (counts.every((c) => c === 0)) {
      counts = now;
      note = steps > 0 ? 'since start (nothing in the last ' + steps + ' s)' : 'since start';
    }
    drawHistogram($('latency-chart'), bounds, counts);
    $('latency-note').textContent = note + ', ' + fmtCount(counts.reduce((a, b) => a + b, 0)) + ' messages';
    const p50 = quantile(bounds, counts, 0.5), p99 = quantile(bounds, counts, 0.99);
    $('latency-p').textContent = fmtMs(p50);
    $('latency-window').textContent = (p99 === null ? '' : 'p99 ' + fmtMs(p99) + ' · ') + note;
    const p50s = [], p99s = [];
    for (let i = 1; i < history.length; i++) {
      const from = history[Math.max(0, i - SMOOTH)].latency;
      const d = history[i].latency && from ? delta(history[i].latency, from) : [];
      p50s.push(d.length ? quantile(bounds, d, 0.5) : null);
      p99s.push(d.length ? quantile(bounds, d, 0.99) : null);
    }
    drawTrend($('latency-trend'), [p50s, p99s], ['var(--accent)', 'var(--p99)'], fmtMs);
  }
  const deliveredRates = [], publishedRates = [];
  for (let i = 1; i < history.length; i++) {
    const from = history[Math.max(0, i - SMOOTH)];
    const seconds = Math.max(0.001, (history[i].t - from.t) / 1000);
    deliveredRates.push((history[i].delivered - from.delivered) / seconds);
    publishedRates.push((history[i].published - from.published) / seconds);
  }
  drawTrend($('rate-trend'), [deliveredRates, publishedRates], ['var(--accent)', 'var(--p99)'], fmtCount);
  drawHistogram($('rtt-chart'), o.rtt.boundsMs, o.rtt.counts, 'rtt');
  renderOrigins(o.origins);

  const problems = $('problems');
  problems.replaceChildren();
  for (const [name, value] of Object.entries(o.broadcast || {})) {
    const chip = document.createElement('span');
    chip.textContent = name.replace(/([A-Z])/g, ' $1').toLowerCase() + ': ' + fmtCount(value);
    // Duplicates and repair requests are normal in a tree with repair; the others deserve a look.
    if (value > 0 && name !== 'wantsSent' && name !== 'duplicates') chip.className = 'nonzero';
    problems.appendChild(chip);
  }
}

async function poll() {
  try {
    const response = await fetch('overview', {cache: 'no-store'});
    if (!response.ok) throw new Error('HTTP ' + response.status);
    render(await response.json());
    failures = 0;
    document.body.dataset.state = 'live';
    $('live-text').textContent = 'live · ' + new Date().toLocaleTimeString();
  } catch (error) {
    failures++;
    document.body.dataset.state = 'stale';
    $('live-text').textContent = 'no answer from the node (' + error.message + ')';
  }
  setTimeout(poll, POLL_MS);
}

poll();
