// Cross-checks `chainmesh sign` / `chainmesh verify` against bitcoinjs-message, the library FluxOS
// uses for Bitcoin signed messages. Usage (from the repository root, after the jar is built):
//   (cd node/src/test/js && npm ci) && node node/src/test/js/crosscheck-cli.js node/target/chainmesh.jar
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const bitcoinMessage = require('bitcoinjs-message');

const jar = process.argv[2] || 'node/target/chainmesh.jar';
const chainmesh = (...args) => execFileSync('java', ['-jar', jar, ...args], { encoding: 'utf8' }).trim();

const key = JSON.parse(chainmesh('keygen', '--json'));
const privateKey = Buffer.from(key.privateKey, 'hex');
const messages = {
  short: 'hello flux',
  empty: '',
  long300: 'x'.repeat(300),
  long70000: 'flux '.repeat(14000),
  nonAscii: 'Grüße, 世界 — ƒlux ✓',
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmesh-crosscheck-'));
let failures = 0;
for (const [name, message] of Object.entries(messages)) {
  const file = path.join(tmp, name + '.txt');
  fs.writeFileSync(file, message, 'utf8');
  const ours = chainmesh('sign', '--key', key.privateKey, '--message-file', file);
  const theirs = bitcoinMessage.sign(message, privateKey, true).toString('base64');
  const theyVerifyOurs = bitcoinMessage.verify(message, key.address, ours);
  let weVerifyTheirs;
  try {
    weVerifyTheirs = chainmesh('verify', '--pubkey', key.publicKey, '--message-file', file, '--signature', theirs) === 'valid';
  } catch (e) {
    weVerifyTheirs = false;
  }
  const identical = ours === theirs;
  const ok = theyVerifyOurs && weVerifyTheirs && identical;
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${Buffer.byteLength(message, 'utf8')} bytes): ` +
    `bitcoinjs-message verifies chainmesh=${theyVerifyOurs}, chainmesh verifies bitcoinjs-message=${weVerifyTheirs}, identical=${identical}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${Object.keys(messages).length - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
