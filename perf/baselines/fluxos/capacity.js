// Capacity of ONE FluxOS-style node: flux-node.js runs alone in its own process (the node under test) and this
// process is its load generator. It plays the node's peers (WebSocket links to /ws/flux/<n>, as FluxOS peers
// connect), sends pre-signed FluxOS-style messages from many origins (members sharing keys, as on mainnet) as fast
// as the links accept them (open loop, back-pressure respected: a link whose send buffer is above the high-water
// mark is waited for), and counts what the node floods back to the other peers. The node verifies each message,
// de-duplicates and floods it exactly as in run.js's network. Prints one JSON result line.
// usage: node capacity.js [--peers 8] [--origins 1024] [--keys 256] [--size 64] [--warmup 2000] [--messages 20000]
//                         [--seconds 10] [--cpu-prof DIR]
//   --cpu-prof DIR: the node runs under V8's sampling profiler; the result carries its top functions by self time.
'use strict';
const { fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');
const bitcoinMessage = require('bitcoinjs-message');
const { newKey, backend } = require('./keys');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 || process.argv[i + 1] === undefined ? fallback : process.argv[i + 1];
}
const peerCount = Number(arg('peers', 8));
const originCount = Number(arg('origins', 1024));
const keyCount = Math.min(Number(arg('keys', 256)), originCount);
const size = Number(arg('size', 64));
const warmupCount = Number(arg('warmup', 2000));
const messageCount = Number(arg('messages', 20000));
const seconds = Number(arg('seconds', 10));
const HIGH_WATER = 1024 * 1024;
const profileDir = arg('cpu-prof', '');
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64 and aarch64

// Self time per function of a .cpuprofile (V8's sampling profiler) as shares of the busy time (idle left out).
function profileTop(dir, top) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return 'no profile written';
  const profile = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? path.basename(f.url) : ''}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    if (f.functionName !== '(idle)') self.set(name, (self.get(name) || 0) + (profile.timeDeltas[i] || 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, t]) => `${(100 * t / total).toFixed(1).padStart(5)}%  ${name}`).join('\n');
}

function waitFor(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type === type) { child.off('message', onMessage); resolve(m); } else if (m.type === 'error') { reject(new Error(m.message)); }
    };
    child.on('message', onMessage);
  });
}

function cpuSeconds(pid) {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) after the parenthesised command name.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  const nodeKey = newKey();
  const keys = Array.from({ length: keyCount }, newKey);
  const originKey = (o) => keys[o % keyCount];
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const child = fork(path.join(__dirname, 'flux-node.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const watchdog = setTimeout(() => { console.error('capacity: watchdog expired'); child.kill('SIGKILL'); process.exit(2); },
    (seconds + 180) * 1000);
  const stats = () => new Promise((resolve) => {
    const onMessage = (m) => { if (m.type === 'stats') { child.off('message', onMessage); resolve(m.stats); } };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
  try {
    const listening = waitFor(child, 'listening');
    child.send({ type: 'init', self: { index: 0, privateKey: nodeKey.privateKey, pace: false } });
    const port = (await listening).port;
    // The node's list: itself, then the origins (members under shared keys); it dials nobody.
    const members = [{ pubKey: nodeKey.pubKey, address: nodeKey.address, port }]
      .concat(Array.from({ length: originCount }, (_, o) => ({ pubKey: originKey(o).pubKey, address: originKey(o).address, port: 0 })));
    const connected = waitFor(child, 'connected');
    child.send({ type: 'connect', members, targets: [] });
    await connected;

    const sendTimes = new Float64Array(warmupCount + messageCount);
    const forwardedOnce = new Uint8Array(warmupCount + messageCount);
    let measuredFrom = Infinity;
    let forwards = 0;
    let forwardedBytes = 0;
    const latencies = [];
    const pattern = /"origin":(\d+),"seq":(\d+)/;
    const sockets = await Promise.all(Array.from({ length: peerCount }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/flux/0`, { perMessageDeflate: false });
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
      ws.on('message', (raw) => {
        const text = raw.toString();
        const match = pattern.exec(text);
        if (!match) return;
        const j = Number(match[2]) * originCount + Number(match[1]);
        if (j < measuredFrom) return;
        forwards++;
        forwardedBytes += text.length;
        if (!forwardedOnce[j]) { forwardedOnce[j] = 1; latencies.push(performance.now() - sendTimes[j]); }
      });
    })));

    const sign = (first, count) => {
      const started = performance.now();
      const texts = new Array(count);
      const payload = 'x'.repeat(size);
      for (let i = 0; i < count; i++) {
        const j = first + i;
        const origin = j % originCount;
        const data = { type: 'chainmesh/capacity', origin, seq: Math.floor(j / originCount), payload };
        const timestamp = Date.now();
        const key = Buffer.from(originKey(origin).privateKey, 'hex');
        const signature = bitcoinMessage.sign(`1${JSON.stringify(data)}${timestamp}`, key, true).toString('base64');
        texts[i] = JSON.stringify({ version: 1, timestamp, pubKey: originKey(origin).pubKey, signature, data });
      }
      console.error(`capacity: signed ${count} FluxOS-style messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return texts;
    };
    // Each message leaves on one peer link (round robin); the node floods it to the others.
    const send = (texts, first, deadline) => new Promise((resolve) => {
      let i = 0;
      const step = () => {
        while (i < texts.length) {
          if (performance.now() > deadline) { resolve(i); return; }
          const ws = sockets[(first + i) % peerCount];
          if (ws.bufferedAmount > HIGH_WATER) { setTimeout(step, 1); return; }
          sendTimes[first + i] = performance.now();
          ws.send(texts[i]);
          i++;
          if ((i & 255) === 0) { setImmediate(step); return; }
        }
        resolve(i);
      };
      step();
    });
    const awaitDelivered = async (from, target) => {
      let last = -1;
      let lastChange = performance.now();
      for (;;) {
        const s = await stats();
        const delivered = s.delivered - from.delivered;
        if (delivered >= target) return s;
        if (delivered !== last) { last = delivered; lastChange = performance.now(); } else if (performance.now() - lastChange > 5000) {
          console.error(`capacity: no delivery for 5 s at ${delivered} of ${target}`);
          return s;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const warm = sign(0, warmupCount);
    const w0 = await stats();
    await send(warm, 0, Infinity);
    const w1 = await awaitDelivered(w0, warmupCount);
    const pool = sign(warmupCount, messageCount);
    measuredFrom = warmupCount;
    const loadBefore = os.loadavg()[0];
    const generatorCpu0 = process.cpuUsage();
    const cpu0 = cpuSeconds(child.pid);
    const s0 = await stats();
    const t0 = performance.now();
    const sent = await send(pool, warmupCount, t0 + seconds * 1000);
    const s1 = await awaitDelivered(s0, sent);
    const t1 = performance.now();
    const cpu1 = cpuSeconds(child.pid);
    const generatorCpu = process.cpuUsage(generatorCpu0);
    const loadAfter = os.loadavg()[0];
    await new Promise((r) => setTimeout(r, 200)); // the last floods trail the last delivery
    const elapsed = (t1 - t0) / 1000;
    const delivered = s1.delivered - s0.delivered;
    latencies.sort((a, b) => a - b);
    const result = {
      system: 'fluxos-style',
      load: 'open loop, back-pressure respected (a link above 1 MiB buffered is waited for)',
      peers: peerCount, origins: originCount, keys: keyCount, messageSize: size,
      warmupMessages: warmupCount, warmupAllDelivered: w1.delivered - w0.delivered === warmupCount,
      messagesSent: sent, messagesDelivered: delivered, allDelivered: delivered === sent,
      invalid: s1.invalid - s0.invalid, stale: s1.stale - s0.stale, duplicates: s1.duplicates - s0.duplicates,
      seconds: elapsed, deliveredPerSecond: delivered / elapsed,
      nodeCpuSeconds: cpu1 - cpu0, nodeCpuCores: (cpu1 - cpu0) / elapsed,
      nodeCpuMicrosPerMessage: (cpu1 - cpu0) * 1e6 / Math.max(1, delivered),
      generatorCpuSeconds: (generatorCpu.user + generatorCpu.system) / 1e6,
      forwardsExpected: delivered * (peerCount - 1), forwards,
      forwardedBytesPerSecond: forwardedBytes / elapsed, forwardedMessagesPerSecond: forwards / elapsed,
      nodeBytesOutPerSecond: (s1.bytesOut - s0.bytesOut) / elapsed, nodeBytesInPerSecond: (s1.bytesIn - s0.bytesIn) / elapsed,
      latencySamples: latencies.length, p50Millis: percentile(latencies, 0.5), p99Millis: percentile(latencies, 0.99),
      latency: 'generator send -> first flood of that message back from the node (after its delivery)',
      loadAverageBefore: loadBefore, loadAverageAfter: loadAfter,
      secp256k1: backend(), node: process.version,
    };
    sockets.forEach((ws) => ws.close());
    child.send({ type: 'exit' });
    await exited;
    if (profileDir) result.cpuProfileTop = profileTop(profileDir, 15);
    console.log(JSON.stringify(result));
  } finally {
    clearTimeout(watchdog);
    if (child.connected) child.send({ type: 'exit' });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
