'use strict';
// Key helpers: compressed public key and P2PKH address, as FluxOS derives a ZelID from a key.
const crypto = require('crypto');
const secp256k1 = require('secp256k1');
const bs58check = require('bs58check');
const createHash = require('create-hash');

function newKey() {
  let privateKey;
  do { privateKey = crypto.randomBytes(32); } while (!secp256k1.privateKeyVerify(privateKey));
  const pubKey = Buffer.from(secp256k1.publicKeyCreate(privateKey, true));
  const hash160 = createHash('rmd160').update(createHash('sha256').update(pubKey).digest()).digest();
  const address = bs58check.encode(Buffer.concat([Buffer.from([0x00]), hash160]));
  return { privateKey: privateKey.toString('hex'), pubKey: pubKey.toString('hex'), address };
}

function backend() {
  try { require('secp256k1/bindings'); return 'native'; } catch (e) { return 'elliptic (pure JS)'; }
}

module.exports = { newKey, backend };
