'use strict';
// Publishes through one node and receives through another, then sends directly the other way.
// Usage: node test/roundtrip.js <urlA> <urlB> <token-file>
// Prints one JSON line with what it saw; exits 0 only if every message arrived once, intact, from the right member.

const fs = require('fs');
const { ChainmeshClient } = require('..');

const [urlA, urlB, tokenFile] = process.argv.slice(2);
const TOPIC = 7;
const COUNT = 20;

async function main() {
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const a = await ChainmeshClient.connect(urlA, { token });
  const b = await ChainmeshClient.connect(urlB, { token });
  if (!a.member || !b.member) throw new Error(`hello without member names: ${a.member} ${b.member}`);

  const atB = new Map();
  const directAtA = [];
  b.on('message', (m) => {
    if (m.member !== a.member || m.topic !== TOPIC || m.direct) throw new Error(`unexpected at B: ${JSON.stringify(m)}`);
    const text = m.payload.toString('utf8');
    atB.set(text, (atB.get(text) || 0) + 1);
  });
  a.on('message', (m) => directAtA.push(m));

  if ((await b.subscribe(TOPIC)) !== 'OK') throw new Error('subscribe at B refused');
  if ((await a.subscribe(TOPIC)) !== 'OK') throw new Error('subscribe at A refused');
  for (let i = 0; i < COUNT; i++) {
    const status = await a.untilAccepted(() => a.publish(TOPIC, Buffer.from(`message ${i}`)));
    if (status !== 'OK') throw new Error(`publish ${i} refused: ${status}`);
  }
  const binary = Buffer.from([0, 1, 2, 250, 255]);
  const sent = await b.untilAccepted(() => b.send(a.member, TOPIC, binary));
  if (sent !== 'OK') throw new Error(`send refused: ${sent}`);
  const unknown = await a.send('00:0', TOPIC, Buffer.from('x'));
  if (unknown !== 'UNKNOWN_MEMBER') throw new Error(`send to an unknown member answered ${unknown}`);

  const deadline = Date.now() + 20000;
  while ((atB.size < COUNT || directAtA.length < 1) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const members = await a.members();
  const status = await b.status();
  const result = {
    received: atB.size,
    duplicates: [...atB.values()].filter((n) => n > 1).length,
    direct: directAtA.length,
    directIntact: directAtA.length === 1 && directAtA[0].direct && directAtA[0].member === b.member &&
      directAtA[0].payload.equals(binary),
    membersListed: members.members.length,
    statusType: status.type,
  };
  console.log(JSON.stringify(result));
  a.close();
  b.close();
  const ok = result.received === COUNT && result.duplicates === 0 && result.directIntact &&
    result.membersListed >= 2 && result.statusType === 'status';
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(`roundtrip failed: ${error.stack || error}`);
  process.exit(1);
});
