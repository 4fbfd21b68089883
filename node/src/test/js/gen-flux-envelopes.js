'use strict';
// Writes FluxOS-style broadcast envelopes signed with bitcoinjs-message (as FluxOS signs them) for
// FluxEnvelopeTest: node gen-flux-envelopes.js > ../resources/flux/envelopes.json
// Each case keeps the raw `data` text, so the Java side parses exactly what JavaScript parsed.

const crypto = require('crypto');
const bitcoinMessage = require('bitcoinjs-message');
const secp256k1 = require('secp256k1');

const privateKey = crypto.createHash('sha256').update('chainmesh flux envelope vectors').digest();
const timestamp = 1765015200000;
const rawData = [
  '{"type":"fluxapprunning","version":1,"name":"app","hash":"abc","ip":"1.2.3.4:16127","broadcastedAt":1765015199000,"runningSince":"2026-12-06T10:00:00.000Z","osUptime":12345.67}',
  '{"b":1,"10":2,"a":[1,2.5,-0,1e21,1e-7,123e-20],"2":null,"01":true,"4294967295":"x","4294967294":"y","":0}',
  '{"type":"t","s":"quote\\" back\\\\ nl\\n tab\\t ctrl\\u0001 del\\u007f \\u00e9 \\ud83d\\ude00 lone\\ud800 low\\udc00x slash\\/ html<>&"}',
  '{"type":"dup","k":1,"z":2,"k":3}',
  '{"type":"num","big":12345678901234567890,"f":0.1,"g":100,"h":1.5e300,"i":5e-324,"j":-123.456,"k":0.000001,"l":1e-7,"m":123456789012345680000,"n":1E2,"o":2.0,"p":0.30000000000000004,"q":9007199254740993}',
  '{"type":"fluxappregister","appSpecifications":{"name":"x","compose":[{"name":"c","ports":[31000],"env":[]}],"instances":3},"hash":"deadbeef","timestamp":1}',
  '{ "type" : "ws" ,\n "a" : [ 1 , 2 ] , "e" : { } }',
];

const cases = [];
for (const [index, raw] of rawData.entries()) {
  const compressed = index !== 0; // FluxOS keys are often uncompressed (04...): the first case uses one.
  const pubKey = Buffer.from(secp256k1.publicKeyCreate(privateKey, compressed)).toString('hex');
  const data = JSON.parse(raw);
  const stringified = JSON.stringify(data);
  const signature = bitcoinMessage.sign(`1${stringified}${timestamp}`, privateKey, compressed).toString('base64');
  const text = `{"version":1,"timestamp":${timestamp},"pubKey":"${pubKey}","signature":"${signature}","data":${raw}}`;
  cases.push({ raw, stringified, pubKey, text });
}
process.stdout.write(`${JSON.stringify({ timestamp, cases }, null, 1)}\n`);
