// One gossipsub node (js-libp2p, TCP + Noise + Yamux, StrictSign with a secp256k1 identity), driven by run.js over IPC.
// Counts: messages delivered to the application per origin, every message copy received (duplicates included),
// latency (publish time carried in the payload), bytes written to its TCP sockets.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

// Parts of the js-libp2p 2.x tree (it-queue) call Promise.withResolvers, which Node.js has from 22 on.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve; let reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

// Every TCP socket of this process, outgoing and accepted, so the bytes on the wire can be summed.
const sockets = new Set();
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) { sockets.add(this); return originalConnect.apply(this, args); };
const originalEmit = net.Server.prototype.emit;
net.Server.prototype.emit = function emit(event, socket, ...rest) {
  if (event === 'connection') sockets.add(socket);
  return originalEmit.call(this, event, socket, ...rest);
};
const bytesOut = () => { let sum = 0; for (const s of sockets) sum += s.bytesWritten; return sum; };

const { createLibp2p } = await import('libp2p');
const { tcp } = await import('@libp2p/tcp');
const { noise } = await import('@chainsafe/libp2p-noise');
const { yamux } = await import('@chainsafe/libp2p-yamux');
const { identify } = await import('@libp2p/identify');
const { gossipsub } = await import('@chainsafe/libp2p-gossipsub');
const { privateKeyFromRaw } = await import('@libp2p/crypto/keys');
const { multiaddr } = await import('@multiformats/multiaddr');

const TOPIC = 'chainmesh-bench';
const MAX_LATENCY_SAMPLES = 200000;
const now = () => performance.timeOrigin + performance.now();

let node; let pubsub; let self; let nodes = 0;
let deliveredPerOrigin = []; let delivered = 0; let copiesReceived = 0; let bytesAtStart = 0; let counting = false;
const latencies = []; let latencySeen = 0;
let creditLimit = 0; let creditWaiter = null;
let progressTimer = null;

function onMessage(event) {
  const message = event.detail;
  if (message.topic !== TOPIC || message.data.length < 16) return;
  const view = new DataView(message.data.buffer, message.data.byteOffset, message.data.byteLength);
  const origin = view.getUint32(8);
  if (origin >= nodes) return;
  deliveredPerOrigin[origin]++;
  delivered++;
  const latency = now() - view.getFloat64(0);
  latencySeen++;
  if (latencies.length < MAX_LATENCY_SAMPLES) latencies.push(latency);
  else { const j = Math.floor(Math.random() * latencySeen); if (j < MAX_LATENCY_SAMPLES) latencies[j] = latency; }
}

async function start(msg) {
  self = msg.index; nodes = msg.nodes;
  deliveredPerOrigin = new Array(nodes).fill(0);
  node = await createLibp2p({
    privateKey: privateKeyFromRaw(Uint8Array.from(Buffer.from(msg.privateKey, 'hex'))),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    // The default gater refuses to dial loopback addresses; this network lives on 127.0.0.1 only.
    connectionGater: { denyDialMultiaddr: async () => false },
    // Every peer connects from 127.0.0.1: lift the per-host inbound rate limit that would reset them. On two
    // shared cores, 16-32 processes starting at once need more than the default 2-5 s for a Noise handshake.
    connectionManager: {
      allow: ['/ip4/127.0.0.1'], inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 1000, maxConnections: 1000,
      dialTimeout: 60000, inboundUpgradeTimeout: 60000, outboundUpgradeTimeout: 60000,
      protocolNegotiationTimeout: 60000, inboundStreamProtocolNegotiationTimeout: 60000, outboundStreamProtocolNegotiationTimeout: 60000,
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // Peer scoring penalises many peers behind one IP; here every node is 127.0.0.1 (on a real network each has
      // its own address), so that one penalty is off, everything else is the library's defaults.
      pubsub: gossipsub({
        emitSelf: false, globalSignaturePolicy: 'StrictSign', allowPublishToZeroTopicPeers: false,
        scoreParams: { IPColocationFactorWeight: 0 },
      }),
    },
  });
  pubsub = node.services.pubsub;
  // Every copy of a message that reaches the node, before de-duplication.
  const handleReceivedMessage = pubsub.handleReceivedMessage.bind(pubsub);
  pubsub.handleReceivedMessage = (from, rpcMessage) => { if (counting) copiesReceived++; return handleReceivedMessage(from, rpcMessage); };
  pubsub.addEventListener('message', onMessage);
  pubsub.subscribe(TOPIC);
  process.send({ type: 'listening', address: node.getMultiaddrs()[0].toString(), peerId: node.peerId.toString() });
}

async function dialWithRetry(address) {
  for (let attempt = 1; ; attempt++) {
    try { return await node.dial(multiaddr(address)); } catch (e) { if (attempt >= 5) throw e; await sleep(100 * attempt); }
  }
}

async function connect(msg) {
  for (const address of msg.targets) await dialWithRetry(address);
  if (process.env.GOSSIP_DEBUG) { node.addEventListener('connection:close', (e) => console.error(self, 'closed', e.detail.remotePeer.toString().slice(-6), e.detail.direction)); console.error(self, 'dialled', msg.targets.length, 'peers now', node.getPeers().length); }
  process.send({ type: 'connected' });
}

function meshState() {
  return { connections: node.getPeers().length, subscribers: pubsub.getSubscribers(TOPIC).length, mesh: pubsub.getMeshPeers(TOPIC).length };
}

function waitCredit() { return new Promise((resolve) => { creditWaiter = resolve; }); }
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function publish(msg) {
  const { size, durationMillis, rate } = msg;
  const started = now();
  const end = started + durationMillis;
  let seq = 0; let errors = 0; let lastError = null;
  const payload = new Uint8Array(Math.max(16, size));
  const view = new DataView(payload.buffer);
  view.setUint32(8, self);
  while (now() < end) {
    if (rate > 0) {
      const due = started + (seq * 1000) / rate;
      const wait = due - now();
      if (wait > 1) { await sleep(wait); continue; }
    } else if (seq >= creditLimit) {
      await Promise.race([waitCredit(), sleep(50)]);
      continue;
    }
    view.setUint32(12, seq);
    view.setFloat64(0, now());
    try { await pubsub.publish(TOPIC, payload.slice()); seq++; } catch (e) { errors++; lastError = String(e); await yieldToIo(); }
    if ((seq & 15) === 0) await yieldToIo();
  }
  process.send({ type: 'published', count: seq, errors, lastError });
}

process.on('message', async (msg) => {
  try {
    switch (msg.type) {
      case 'start': await start(msg); break;
      case 'connect': await connect(msg); break;
      case 'mesh': process.send({ type: 'mesh', state: meshState() }); break;
      case 'count':
        counting = true; bytesAtStart = bytesOut();
        progressTimer = setInterval(() => process.send({ type: 'progress', index: self, perOrigin: deliveredPerOrigin }), 50);
        process.send({ type: 'counting' });
        break;
      case 'credit':
        creditLimit = msg.limit;
        if (creditWaiter) { const w = creditWaiter; creditWaiter = null; w(); }
        break;
      case 'publish': publish(msg).catch((e) => process.send({ type: 'error', message: String(e) })); break;
      case 'stats':
        process.send({ type: 'stats', stats: { delivered, copiesReceived, bytesOut: bytesOut() - bytesAtStart, mesh: meshState() } });
        break;
      case 'latencies':
        process.send({ type: 'latencies', latencies });
        break;
      case 'exit':
        clearInterval(progressTimer);
        await Promise.race([node?.stop(), sleep(2000)]);
        process.exit(0);
        break;
      default: break;
    }
  } catch (e) {
    process.send({ type: 'error', message: `${msg.type}: ${e?.stack ?? e}` });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
