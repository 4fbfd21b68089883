// Runs a gossipsub network (js-libp2p) on 127.0.0.1 and prints one JSON result line.
// usage: node run.js [--nodes 16] [--outbound 8] [--duration 10] [--size 64] [--rate 0] [--publishers N] [--window 8]
//   --rate 0: closed loop at max rate (each origin keeps at most --window messages not yet delivered to every
//   other node: a few are enough to keep every node busy, as each costs every node a ~1-3 ms pure-JS secp256k1
//   verify; more only adds queueing delay); --rate R: R messages/s per publisher. --publishers N: the first N nodes publish (default all).
// Each node is its own Node.js process: a js-libp2p node is single-threaded (signing, verifying, Noise and
// Yamux all run on its event loop), so one process per node is how it deploys and the only way the network
// can use more than one core.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';

const here = path.dirname(fileURLToPath(import.meta.url));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const nodes = Number(arg('nodes', 16));
const outbound = Math.min(Number(arg('outbound', 8)), nodes - 1);
const durationMillis = Number(arg('duration', 10)) * 1000;
const size = Number(arg('size', 64));
const rate = Number(arg('rate', 0));
const publishers = Math.min(Number(arg('publishers', nodes)), nodes);
const window = Number(arg('window', 8));
const drainMillis = 5000;
const meshMillis = 15000;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function waitFor(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type === type) { child.off('message', onMessage); resolve(m); } else if (m.type === 'error') { child.off('message', onMessage); reject(new Error(m.message)); }
    };
    child.on('message', onMessage);
  });
}
const debug = (...a) => { if (process.env.GOSSIP_DEBUG) console.error(new Date().toISOString(), ...a); };
const ask = (children, type, reply = type) => { const replies = children.map((c) => waitFor(c, reply)); children.forEach((c) => c.send({ type })); return Promise.all(replies); };
const version = (name) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

async function main() {
  const keys = await Promise.all(Array.from({ length: nodes }, () => generateKeyPair('secp256k1')));
  const children = keys.map(() => fork(path.join(here, 'gossip-node.js'), [], { execArgv: process.env.GOSSIP_NODE_ARGS ? process.env.GOSSIP_NODE_ARGS.split(' ') : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const killAll = () => children.forEach((c) => c.connected && c.send({ type: 'exit' }));
  // Whatever happens to this process, no node outlives it.
  process.on('exit', () => children.forEach((c) => { if (c.exitCode === null) c.kill('SIGKILL'); }));
  const watchdog = setTimeout(() => { console.error('gossipsub baseline: watchdog expired'); killAll(); process.exit(2); },
    durationMillis + drainMillis + meshMillis + 180000);
  try {
    await Promise.all(children.map((c) => waitFor(c, 'ready')));
    const listening = children.map((c) => waitFor(c, 'listening'));
    children.forEach((c, i) => c.send({ type: 'start', index: i, nodes, privateKey: Buffer.from(keys[i].raw).toString('hex') }));
    const addresses = (await Promise.all(listening)).map((m) => (m.address.includes("/p2p/") ? m.address : `${m.address}/p2p/${m.peerId}`));
    // Ring order: node i is linked to its next `outbound` successors (so ~2 x outbound peers each); each link is
    // dialled once, by the lower index.
    const targets = Array.from({ length: nodes }, () => new Set());
    for (let i = 0; i < nodes; i++) {
      for (let j = 1; j <= outbound; j++) {
        const k = (i + j) % nodes;
        targets[Math.min(i, k)].add(Math.max(i, k));
      }
    }
    const connected = children.map((c) => waitFor(c, 'connected'));
    children.forEach((c, i) => c.send({ type: 'connect', targets: [...targets[i]].map((k) => addresses[k]) }));
    await Promise.all(connected);
    // Wait for the topic mesh: every node has grafted min(Dlo=4, peers) of its peers.
    const meshStarted = Date.now();
    let mesh;
    for (;;) {
      mesh = (await ask(children, 'mesh')).map((m) => m.state);
      if (mesh.every((s) => s.mesh >= Math.min(4, s.connections))) break;
      if (process.env.GOSSIP_DEBUG) console.error(JSON.stringify(mesh));
      if (Date.now() - meshStarted > meshMillis) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const meshSeconds = (Date.now() - meshStarted) / 1000;
    debug('mesh', meshSeconds, JSON.stringify(mesh));
    await ask(children, 'count', 'counting');

    // Closed loop: an origin may run `window` messages ahead of the slowest other node's deliveries of its messages.
    const progress = Array.from({ length: nodes }, () => new Array(nodes).fill(0));
    const limits = new Array(nodes).fill(-1);
    const grant = () => {
      for (let o = 0; o < publishers; o++) {
        let slowest = Infinity;
        for (let j = 0; j < nodes; j++) if (j !== o) slowest = Math.min(slowest, progress[j][o]);
        const limit = slowest + window;
        if (limit !== limits[o]) { limits[o] = limit; children[o].send({ type: 'credit', limit }); }
      }
    };
    children.forEach((c) => c.on('message', (m) => { if (m.type === 'progress') { progress[m.index] = m.perOrigin; grant(); } }));
    grant();

    const started = Date.now();
    const published = children.slice(0, publishers).map((c) => waitFor(c, 'published'));
    children.slice(0, publishers).forEach((c) => c.send({ type: 'publish', size, durationMillis, rate }));
    const publishedReplies = await Promise.all(published);
    debug('published', JSON.stringify(publishedReplies));
    const publishedCounts = publishedReplies.map((m) => m.count);
    const totalPublished = publishedCounts.reduce((a, b) => a + b, 0);

    const expected = (i) => totalPublished - (i < publishers ? publishedCounts[i] : 0);
    let last = -1;
    let quietSince = Date.now();
    let stats;
    for (;;) {
      stats = (await ask(children, 'stats')).map((m) => m.stats);
      const delivered = stats.reduce((a, s) => a + s.delivered, 0);
      debug('drain', delivered, totalPublished * (nodes - 1));
      if (stats.every((s, i) => s.delivered >= expected(i))) break;
      if (delivered !== last) { last = delivered; quietSince = Date.now(); }
      if (Date.now() - quietSince > drainMillis) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    const latencies = (await ask(children, 'latencies')).flatMap((m) => m.latencies).sort((a, b) => a - b);
    const totalDelivered = stats.reduce((a, s) => a + s.delivered, 0);
    const copies = stats.reduce((a, s) => a + s.copiesReceived, 0);
    const bytesOut = stats.reduce((a, s) => a + s.bytesOut, 0);
    const result = {
      system: 'gossipsub',
      versions: {
        '@chainsafe/libp2p-gossipsub': version('@chainsafe/libp2p-gossipsub'), libp2p: version('libp2p'),
        '@libp2p/tcp': version('@libp2p/tcp'), '@chainsafe/libp2p-noise': version('@chainsafe/libp2p-noise'),
        '@chainsafe/libp2p-yamux': version('@chainsafe/libp2p-yamux'), '@libp2p/crypto': version('@libp2p/crypto'),
        '@noble/curves': version('@noble/curves'),
      },
      signaturePolicy: 'StrictSign', keyType: 'secp256k1',
      gossipsub: { D: 6, Dlo: 4, Dhi: 12, heartbeatMillis: 1000, floodPublish: true, idontwantMinDataSize: 512 },
      node: process.version,
      cpus: os.cpus().length,
      nodes, outbound, publishers, size, rate, window,
      meshSeconds,
      meshPeers: { min: Math.min(...mesh.map((s) => s.mesh)), max: Math.max(...mesh.map((s) => s.mesh)) },
      connectionsPerNode: { min: Math.min(...mesh.map((s) => s.connections)), max: Math.max(...mesh.map((s) => s.connections)) },
      durationSeconds: durationMillis / 1000,
      elapsedSeconds,
      published: totalPublished,
      publishErrors: publishedReplies.reduce((a, m) => a + m.errors, 0),
      lastPublishError: publishedReplies.map((m) => m.lastError).find((e) => e) ?? null,
      publishRatePerSecond: totalPublished / (durationMillis / 1000),
      deliveredPerNodePerSecond: totalDelivered / nodes / elapsedSeconds,
      deliveredAll: stats.every((s, i) => s.delivered >= expected(i)),
      missing: stats.reduce((a, s, i) => a + Math.max(0, expected(i) - s.delivered), 0),
      copiesReceived: copies,
      duplicatesPerMessage: totalDelivered > 0 ? (copies - totalDelivered) / totalDelivered : null,
      bytesOnWirePerDelivered: totalDelivered > 0 ? bytesOut / totalDelivered : null,
      latencyMillis: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? null },
    };
    console.log(JSON.stringify(result));
  } finally {
    clearTimeout(watchdog);
    killAll();
  }
}

main().then(() => setTimeout(() => process.exit(0), 3000).unref()).catch((e) => { console.error('gossipsub baseline failed:', e); process.exit(1); });
