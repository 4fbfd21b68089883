'use strict';
// FluxOS-style peers for the FluxOS bridge: each node of a chainmesh network gets one peer that behaves as a
// FluxOS node towards it (npm ws, X-Flux-* headers, envelopes signed with bitcoinjs-message as FluxOS signs them,
// verified on receipt as FluxOS verifies them). Some peers connect to a bridge (inbound at the bridge), others
// listen and are dialled by a bridge (outbound). The origin peer injects signed fluxapprunning and
// fluxappregister messages; every other peer must receive each exactly once, with the original signature valid.
//
// usage: node flux-bridge-peers.js <config.json>
//   config: { connect: [{node, url}], serve: [node], origin: node, members: [{privateKey, ip}], messages: N,
//             rate: messages/s (0: as fast as FluxOS's 120/s peer limit allows), hostile: bool, timeoutMs }
// stdout, one JSON line each: {"event":"listening","ports":{node:port}} once the served peers listen (the caller
// then starts the bridges that dial them), then {"event":"result",...}.
const fs = require('fs');
const WebSocket = require('ws');
const bitcoinMessage = require('bitcoinjs-message');
const secp256k1 = require('secp256k1');
const bs58check = require('bs58check');
const createHash = require('create-hash');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const CAPABILITIES = 'transmissionTimestamps,peerExchange,binaryMessages,appStateSync';
const HEADERS = { 'X-Flux-Capabilities': CAPABILITIES, 'X-Flux-Version': '8.0.0', 'X-Flux-Uptime': '1000' };
const peers = new Map(); // node -> { ws, received: Map(id -> count), latencies: [], invalid, unexpected }
const sentAt = new Map(); // id -> ms
const expected = new Set();

function out(object) { process.stdout.write(`${JSON.stringify(object)}\n`); }

// As FluxOS's verificationHelper: the pubKey becomes a P2PKH address, bitcoinjs-message verifies against it.
function addressOf(pubKeyHex) {
  const hash160 = createHash('rmd160').update(createHash('sha256').update(Buffer.from(pubKeyHex, 'hex')).digest()).digest();
  return bs58check.encode(Buffer.concat([Buffer.from([0x00]), hash160]));
}

function verify(envelope) {
  try {
    const { version, timestamp, pubKey, signature, data } = envelope;
    return bitcoinMessage.verify(`${version}${JSON.stringify(data)}${timestamp}`, addressOf(pubKey), signature);
  } catch (e) { return false; }
}

function sign(member, data, timestamp) {
  const privateKey = Buffer.from(member.privateKey, 'hex');
  const pubKey = Buffer.from(secp256k1.publicKeyCreate(privateKey, true)).toString('hex');
  const signature = bitcoinMessage.sign(`1${JSON.stringify(data)}${timestamp}`, privateKey, true).toString('base64');
  return JSON.stringify({ version: 1, timestamp, pubKey, signature, data });
}

function attach(node, ws) {
  const peer = { node, ws, received: new Map(), latencies: [], invalid: 0, unexpected: 0, binary: 0 };
  peers.set(node, peer);
  ws.on('message', (raw, isBinary) => {
    const now = Date.now();
    if (isBinary) { peer.binary += 1; return; }
    let text = raw.toString('utf8');
    if (text[0] === 'T') text = text.substring(text.indexOf('|') + 1);
    let envelope;
    try { envelope = JSON.parse(text); } catch (e) { peer.invalid += 1; return; }
    if (!envelope.data || !verify(envelope)) { peer.invalid += 1; return; }
    const id = envelope.data.hash;
    if (!expected.has(id)) { peer.unexpected += 1; return; }
    const count = (peer.received.get(id) || 0) + 1;
    peer.received.set(id, count);
    if (count === 1 && sentAt.has(id)) peer.latencies.push([Number(id.substring(1)), now - sentAt.get(id)]);
  });
  ws.on('error', () => {});
  ws.on('close', (code) => { peer.closeCode = code; });
  return peer;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function main() {
  const servers = [];
  const ports = {};
  for (const node of config.serve) {
    const server = new WebSocket.Server({ host: '127.0.0.1', port: 0, path: undefined });
    server.on('headers', (headers) => {
      for (const [name, value] of Object.entries(HEADERS)) headers.push(`${name}: ${value}`);
    });
    server.on('connection', (ws, req) => {
      if (!/^\/ws\/flux\/\d+$/.test(req.url)) { ws.close(4004, 'bad path'); return; }
      attach(node, ws);
    });
    await new Promise((r) => server.on('listening', r));
    ports[node] = server.address().port;
    servers.push(server);
  }
  out({ event: 'listening', ports });

  for (const { node, url } of config.connect) {
    const ws = new WebSocket(url, { headers: HEADERS });
    attach(node, ws);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  }
  const all = config.connect.length + config.serve.length;
  if (!await until(() => peers.size === all, config.timeoutMs)) {
    throw new Error(`only ${peers.size} of ${all} peers connected`);
  }
  // Every bridge must have its peer registered before the first message: a second of quiet on loopback.
  await sleep(500);

  const origin = peers.get(config.origin);
  const types = ['fluxapprunning', 'fluxappregister'];
  const envelopes = [];
  const interval = config.rate > 0 ? 1000 / config.rate : 1000 / 110;
  const started = Date.now();
  for (let i = 0; i < config.messages; i++) {
    const member = config.members[i % config.members.length];
    const now = Date.now();
    const id = `m${i}`;
    const data = types[i % 2] === 'fluxapprunning'
      ? { type: 'fluxapprunning', version: 1, name: `app${i}`, hash: id, ip: member.ip, broadcastedAt: now, runningSince: now - 1000 }
      : { type: 'fluxappregister', version: 1, appSpecifications: { name: `app${i}`, instances: 3, ports: [31000 + (i % 100)] }, hash: id, timestamp: now };
    const envelope = sign(member, data, now);
    envelopes.push(envelope);
    expected.add(id);
    sentAt.set(id, Date.now());
    origin.ws.send(`T${Date.now()}|${envelope}`);
    // On schedule, but never a burst to catch up after a stall: FluxOS (and the bridge) drop what a peer sends
    // beyond 120 a second, so consecutive sends stay at least 0.85 of the interval apart.
    const next = started + (i + 1) * interval;
    await sleep(Math.max(next - Date.now(), Math.ceil(interval * 0.85)));
  }
  const publishMillis = Date.now() - started;

  let hostile = null;
  if (config.hostile) {
    // Within FluxOS's bad-message allowance (5 in 10 minutes), so the origin peer stays connected.
    const member = config.members[0];
    const now = Date.now();
    const forged = JSON.parse(sign(member, { type: 'fluxappregister', hash: 'forged', n: 1 }, now));
    forged.data.n = 2;
    const stale = sign(member, { type: 'fluxappregister', version: 1, hash: 'stale' }, now - 6 * 60 * 1000);
    const unknownKey = { privateKey: 'cafe'.repeat(16), ip: member.ip };
    const unknown = sign(unknownKey, { type: 'fluxappregister', version: 1, hash: 'unknown' }, now);
    origin.ws.send(JSON.stringify(forged));
    origin.ws.send(stale);
    origin.ws.send(unknown);
    origin.ws.send(envelopes[0]); // replayed
    origin.ws.send(`{"messageHashPresent":"${'ab'.repeat(20)}"}`);
    hostile = { forged: 1, stale: 1, unknownSigner: 1, replayed: 1 };
  }

  const others = [...peers.values()].filter((p) => p.node !== config.origin);
  const complete = await until(() => others.every((p) => p.received.size === config.messages), config.timeoutMs);
  const deliveredMillis = Date.now() - started;
  // A little longer, so that a late duplicate or forgery would be seen.
  await sleep(config.lingerMs || 300);
  const latencies = others.flatMap((p) => p.latencies.map(([, ms]) => ms)).sort((a, b) => a - b);
  // The second half alone: the first messages also measure a cold start (JIT, connection set-up).
  const laterHalf = others.flatMap((p) => p.latencies.filter(([i]) => i >= config.messages / 2).map(([, ms]) => ms))
    .sort((a, b) => a - b);
  const perNode = {};
  for (const p of others) {
    let duplicates = 0;
    for (const count of p.received.values()) duplicates += count - 1;
    perNode[p.node] = { received: p.received.size, duplicates, invalid: p.invalid, unexpected: p.unexpected, closeCode: p.closeCode };
  }
  out({
    event: 'result',
    complete,
    messages: config.messages,
    peers: others.length,
    perNode,
    hostile,
    publishMillis,
    deliveredMillis,
    deliveriesPerSecond: Math.round((latencies.length * 1000) / Math.max(1, deliveredMillis)),
    messagesPerSecond: Math.round((config.messages * 1000) / Math.max(1, deliveredMillis)),
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] },
    secondHalfLatencyMs: { p50: percentile(laterHalf, 0.5), p99: percentile(laterHalf, 0.99), max: laterHalf[laterHalf.length - 1] },
  });
  for (const p of peers.values()) p.ws.close(1000);
  servers.forEach((s) => s.close());
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => { out({ event: 'error', message: String(e && e.stack || e) }); process.exit(1); });
