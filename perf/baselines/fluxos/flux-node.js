// One FluxOS-style node, run as a child process of run.js. It behaves like a FluxOS peer on the
// wire: WebSocket links, JSON broadcast messages {version, timestamp, pubKey, signature, data},
// the signed text `${version}${JSON.stringify(data)}${timestamp}` as a Bitcoin signed message,
// a de-duplication cache keyed by a hash of data (checked before the signature, as FluxOS does),
// a time window check, signer membership, then flooding to every other peer.
// Deliberate FluxOS pacing (random delay, 25 ms between peers) is OFF by default (--pace to enable)
// so the baseline measures the design's intrinsic cost, not its throttles.
'use strict';
const http = require('http');
const crypto = require('crypto');
const WebSocket = require('ws');
const bitcoinMessage = require('bitcoinjs-message');

const MAX_CACHE = 200000;          // bounded de-duplication cache (FluxOS keeps a bounded LRU)
const HIGH_WATER = 4 * 1024 * 1024; // per-peer send buffer before the publisher waits
const LATENCY_SAMPLES = 200000;

let self;          // { index, privateKey (hex), pace }
let members;       // [{ pubKey, address, port }]
let addressByPubKey;
const peers = new Set();
const seen = new Map();
const stats = { published: 0, delivered: 0, duplicates: 0, invalid: 0, stale: 0, bytesIn: 0, bytesOut: 0, latencies: [] };
let publishing = false;

function now() { return performance.timeOrigin + performance.now(); }

function remember(hash) {
  seen.set(hash, true);
  if (seen.size > MAX_CACHE) seen.delete(seen.keys().next().value);
}

function sendToPeers(text, except) {
  for (const ws of peers) {
    if (ws !== except && ws.readyState === WebSocket.OPEN) {
      ws.send(text);
      stats.bytesOut += text.length;
    }
  }
}

function onMessage(ws, raw) {
  const text = raw.toString();
  stats.bytesIn += text.length;
  let msg;
  try { msg = JSON.parse(text); } catch (e) { stats.invalid++; return; }
  const t = Date.now();
  if (typeof msg.timestamp !== 'number' || msg.timestamp > t + 120000 || msg.timestamp < t - 300000) { stats.stale++; return; }
  const dataText = JSON.stringify(msg.data);
  const hash = crypto.createHash('sha256').update(dataText).digest('hex');
  if (seen.has(hash)) { stats.duplicates++; return; }
  remember(hash);
  const address = addressByPubKey.get(msg.pubKey);
  if (!address) { stats.invalid++; return; }
  let valid = false;
  try { valid = bitcoinMessage.verify(`${msg.version}${dataText}${msg.timestamp}`, address, msg.signature); } catch (e) { valid = false; }
  if (!valid) { stats.invalid++; return; }
  stats.delivered++;
  // Pre-signed traffic (capacity.js) carries no send time: the generator times it.
  if (typeof msg.data.sentAt === 'number' && stats.latencies.length < LATENCY_SAMPLES) stats.latencies.push(now() - msg.data.sentAt);
  if (self.pace) {
    setTimeout(() => sendToPeers(text, ws), Math.random() * 25);
  } else {
    sendToPeers(text, ws);
  }
}

function attach(ws) {
  peers.add(ws);
  ws.on('message', (raw) => onMessage(ws, raw));
  ws.on('close', () => peers.delete(ws));
  ws.on('error', () => peers.delete(ws));
}

function publishLoop(size, deadline, rate) {
  publishing = true;
  const privateKey = Buffer.from(self.privateKey, 'hex');
  const pubKey = members[self.index].pubKey;
  const payload = 'x'.repeat(size);
  const interval = rate > 0 ? 1000 / rate : 0;
  let next = now();
  const step = () => {
    if (!publishing || Date.now() >= deadline) { publishing = false; process.send({ type: 'published', count: stats.published }); return; }
    for (const ws of peers) { if (ws.bufferedAmount > HIGH_WATER) { setTimeout(step, 1); return; } }
    if (interval > 0 && now() < next) { setTimeout(step, Math.max(0, next - now())); return; }
    next += interval;
    const data = { type: 'chainmesh/bench', origin: self.index, seq: stats.published, sentAt: now(), payload };
    const timestamp = Date.now();
    const signature = bitcoinMessage.sign(`1${JSON.stringify(data)}${timestamp}`, privateKey, true).toString('base64');
    const text = JSON.stringify({ version: 1, timestamp, pubKey, signature, data });
    remember(crypto.createHash('sha256').update(JSON.stringify(data)).digest('hex'));
    stats.published++;
    sendToPeers(text, null);
    setImmediate(step);
  };
  step();
}

process.on('message', (m) => {
  if (m.type === 'init') {
    self = m.self;
    const server = http.createServer();
    const wss = new WebSocket.Server({ server, path: `/ws/flux/${m.self.index}`, maxPayload: 1024 * 1024 });
    wss.on('connection', attach);
    server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
  } else if (m.type === 'connect') {
    members = m.members;
    addressByPubKey = new Map(members.map((x) => [x.pubKey, x.address]));
    let pending = m.targets.length;
    if (pending === 0) process.send({ type: 'connected' });
    for (const target of m.targets) {
      const ws = new WebSocket(`ws://127.0.0.1:${members[target].port}/ws/flux/${target}`, { perMessageDeflate: false });
      ws.on('open', () => { attach(ws); if (--pending === 0) process.send({ type: 'connected' }); });
      ws.on('error', (e) => process.send({ type: 'error', message: String(e) }));
    }
  } else if (m.type === 'publish') {
    publishLoop(m.size, Date.now() + m.durationMillis, m.rate);
  } else if (m.type === 'stats') {
    process.send({ type: 'stats', stats, peers: peers.size });
  } else if (m.type === 'reset') {
    // After a warm-up: what was counted so far is forgotten; the de-duplication cache is kept, as a node's is.
    for (const key of Object.keys(stats)) stats[key] = key === 'latencies' ? [] : 0;
    process.send({ type: 'reset' });
  } else if (m.type === 'exit') {
    process.exit(0);
  }
});

