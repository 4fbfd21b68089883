// Writes ../resources/bitcoinjs-message-vectors.json: Bitcoin signed-message vectors produced by
// bitcoinjs-message (the implementation FluxOS uses), for chainmesh's Java cross-check.
// Usage: npm ci && node gen-vectors.js
'use strict';
const fs = require('fs');
const path = require('path');
const bitcoinMessage = require('bitcoinjs-message');
const bitcoin = require('bitcoinjs-lib');
const secp256k1 = require('secp256k1');

const keys = [
  '0000000000000000000000000000000000000000000000000000000000000001',
  '1111111111111111111111111111111111111111111111111111111111111111',
  'c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a',
  'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140',
];

function repeatTo(text, length) {
  return text.repeat(Math.ceil(length / text.length)).slice(0, length);
}

const messages = [
  { name: 'empty', text: '' },
  { name: 'short', text: 'hello chainmesh' },
  { name: 'fluxos-like', text: '1700000000000zelid1abcdefghijklmnopqrstuvwxyz' },
  { name: 'varint-252', text: repeatTo('x', 252) },
  { name: 'varint-253', text: repeatTo('y', 253) },
  { name: 'long-300', text: repeatTo('The quick brown fox jumps over the lazy dog. ', 300) },
  { name: 'varint-65535', text: repeatTo('0123456789abcdef', 65535) },
  { name: 'long-70000', text: repeatTo('chainmesh long message ', 70000) },
  { name: 'non-ascii', text: 'Grüße, 世界! Ünïcödé ✓ 🚀 ΑΒΓ' },
  { name: 'newlines', text: 'line one\nline two\r\n\ttabbed' },
];

function address(publicKey) {
  return bitcoin.payments.p2pkh({ pubkey: Buffer.from(publicKey) }).address;
}

const vectors = [];
for (const keyHex of keys) {
  const privateKey = Buffer.from(keyHex, 'hex');
  for (const compressed of [true, false]) {
    const publicKey = Buffer.from(secp256k1.publicKeyCreate(privateKey, compressed));
    for (const message of messages) {
      if (!compressed && message.name !== 'short' && message.name !== 'non-ascii') {
        continue; // uncompressed keys only need a couple of vectors (legacy addresses)
      }
      if (message.text.length > 65000 && keyHex !== keys[2]) {
        continue; // keeps the committed JSON small: one key signs the huge messages
      }
      const signature = bitcoinMessage.sign(message.text, privateKey, compressed).toString('base64');
      const addr = address(publicKey);
      if (!bitcoinMessage.verify(message.text, addr, signature)) {
        throw new Error('bitcoinjs-message failed to verify its own signature for ' + message.name);
      }
      vectors.push({
        name: message.name + (compressed ? '' : '-uncompressed'),
        privateKeyHex: keyHex,
        publicKeyHex: publicKey.toString('hex'),
        compressed,
        message: message.text,
        messageUtf8Length: Buffer.byteLength(message.text, 'utf8'),
        signatureBase64: signature,
        address: addr,
      });
    }
  }
}

function installedVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
}
const versions = {};
for (const name of ['bitcoinjs-message', 'bitcoinjs-lib', 'secp256k1']) {
  versions[name] = installedVersion(name);
}
// bitcoinjs-message signs through its own secp256k1 dependency (native if built, else elliptic).
const out = path.join(__dirname, '..', 'resources', 'bitcoinjs-message-vectors.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ generator: 'codec/src/test/js/gen-vectors.js', versions, vectors }, null, 1) + '\n');
console.log('wrote ' + vectors.length + ' vectors to ' + out);
