// Runs a FluxOS-style broadcast network on 127.0.0.1 and prints one JSON result line.
// usage: node run.js [--nodes 16] [--outbound 4] [--duration 10] [--size 64] [--rate 0] [--publishers 1] [--pace]
//                    [--warmup 0]
//   --rate 0 publishes as fast as the links accept (per publisher); --publishers N: first N nodes publish.
//   --warmup S: the same workload for S seconds first, drained and then forgotten (every node's counters reset),
//   so the measured run does not pay for V8 compiling the nodes' code.
// Each node is its own process (as FluxOS nodes are), so the network can use every core.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const os = require('os');
const { newKey, backend } = require('./keys');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const nodes = Number(arg('nodes', 16));
const outbound = Math.min(Number(arg('outbound', 4)), nodes - 1);
const durationMillis = Number(arg('duration', 10)) * 1000;
const size = Number(arg('size', 64));
const rate = Number(arg('rate', 0));
const publishers = Math.min(Number(arg('publishers', 1)), nodes);
const pace = arg('pace', false) === true;
const warmupMillis = Number(arg('warmup', 0)) * 1000;
const drainMillis = 5000;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function waitFor(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type === type) { child.off('message', onMessage); resolve(m); }
      else if (m.type === 'error') { reject(new Error(m.message)); }
    };
    child.on('message', onMessage);
  });
}

// Publishes for the given time, then drains: waits until every node has delivered what was published or nothing
// moves for a while.
async function publishAndDrain(children, millis) {
  const published = children.slice(0, publishers).map((c) => waitFor(c, 'published'));
  children.slice(0, publishers).forEach((c) => c.send({ type: 'publish', size, durationMillis: millis, rate }));
  const publishedCounts = (await Promise.all(published)).map((m) => m.count);
  const totalPublished = publishedCounts.reduce((a, b) => a + b, 0);
  const expected = (i) => totalPublished - (i < publishers ? publishedCounts[i] : 0);
  let last = -1;
  let quietSince = Date.now();
  let stats;
  for (;;) {
    const replies = children.map((c) => waitFor(c, 'stats'));
    children.forEach((c) => c.send({ type: 'stats' }));
    stats = (await Promise.all(replies)).map((m) => m.stats);
    const delivered = stats.reduce((a, s) => a + s.delivered, 0);
    const complete = stats.every((s, i) => s.delivered >= expected(i));
    if (complete) break;
    if (delivered !== last) { last = delivered; quietSince = Date.now(); }
    if (Date.now() - quietSince > drainMillis) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { totalPublished, expected, stats };
}

async function main() {
  const keys = Array.from({ length: nodes }, newKey);
  const children = keys.map(() => fork(path.join(__dirname, 'flux-node.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const killAll = () => children.forEach((c) => c.connected && c.send({ type: 'exit' }));
  const watchdog = setTimeout(() => { console.error('baseline: watchdog expired'); killAll(); process.exit(2); },
    warmupMillis + durationMillis + 2 * drainMillis + 60000);
  try {
    const listening = children.map((c) => waitFor(c, 'listening'));
    children.forEach((c, i) => c.send({ type: 'init', self: { index: i, privateKey: keys[i].privateKey, pace } }));
    const ports = (await Promise.all(listening)).map((m) => m.port);
    const members = keys.map((k, i) => ({ pubKey: k.pubKey, address: k.address, port: ports[i] }));
    // Ring order with outbound links to the next successors, as FluxOS connects to the nodes after it.
    const connected = children.map((c) => waitFor(c, 'connected'));
    children.forEach((c, i) => c.send({
      type: 'connect', members, targets: Array.from({ length: outbound }, (_, j) => (i + j + 1) % nodes),
    }));
    await Promise.all(connected);

    if (warmupMillis > 0) {
      await publishAndDrain(children, warmupMillis);
      const reset = children.map((c) => waitFor(c, 'reset'));
      children.forEach((c) => c.send({ type: 'reset' }));
      await Promise.all(reset);
    }
    const started = Date.now();
    const { totalPublished, expected, stats } = await publishAndDrain(children, durationMillis);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const latencies = stats.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const delivered = stats.map((s) => s.delivered);
    const totalDelivered = delivered.reduce((a, b) => a + b, 0);
    const bytesOut = stats.reduce((a, s) => a + s.bytesOut, 0);
    const result = {
      system: 'fluxos-style',
      secp256k1: backend(),
      node: process.version,
      cpus: os.cpus().length,
      nodes, outbound, publishers, size, rate, pace,
      durationSeconds: durationMillis / 1000,
      warmupSeconds: warmupMillis / 1000,
      elapsedSeconds,
      published: totalPublished,
      publishRatePerSecond: totalPublished / (durationMillis / 1000),
      deliveredPerNodePerSecond: totalDelivered / nodes / elapsedSeconds,
      deliveredAll: stats.every((s, i) => s.delivered >= expected(i)),
      missing: stats.reduce((a, s, i) => a + Math.max(0, expected(i) - s.delivered), 0),
      duplicatesReceived: stats.reduce((a, s) => a + s.duplicates, 0),
      invalid: stats.reduce((a, s) => a + s.invalid, 0),
      bytesOnWirePerDelivered: totalDelivered > 0 ? bytesOut / totalDelivered : null,
      latencyMillis: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] || null },
    };
    console.log(JSON.stringify(result));
  } finally {
    clearTimeout(watchdog);
    killAll();
  }
}

main().catch((e) => { console.error('baseline failed:', e); process.exit(1); });
