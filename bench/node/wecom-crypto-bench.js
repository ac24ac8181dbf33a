// Times the official @wecom/crypto package doing what CallbackCrypto does per callback:
// decrypt + verify (signature, decrypt, receiver id) and encrypt + sign, for each size.
// Usage: node wecom-crypto-bench.js PEERS_DIR SECONDS_PER_CASE
// Prints one JSON line per case: {"op","size","nsPerOp","ops"}.
'use strict';

const path = require('path');
const peers = process.argv[2];
const seconds = Number(process.argv[3] || '2');
const wecom = require(path.join(peers, 'node_modules', '@wecom/crypto'));

const key = '3iHSwtoWu8bPsudHAerz1h/V9tuhAL5c0dEa6fhARm4';
const token = 'benchCallbackToken';
const corpId = 'wwbench000000000001';
const timestamp = '1777622400';
const nonce = 'n12345';

function message(size) {
  // The same text as the .NET side: ASCII, so bytes = characters.
  let text = '';
  while (text.length < size) text += 'x';
  return text;
}

function time(fn) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up: JIT
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = process.hrtime.bigint();
  }
  return { nsPerOp: Number(now - start) / ops, ops };
}

for (const size of [1024, 16384]) {
  const text = message(size);
  const encrypted = wecom.encrypt(key, text, corpId);
  const signature = wecom.getSignature(token, timestamp, nonce, encrypted);
  const open = time(() => {
    if (wecom.getSignature(token, timestamp, nonce, encrypted) !== signature) throw new Error('signature');
    const { message: m, id } = wecom.decrypt(key, encrypted);
    if (id !== corpId || m.length !== size) throw new Error('decrypt');
  });
  console.log(JSON.stringify({ op: 'DecryptVerify', size, ...open }));
  const seal = time(() => {
    const e = wecom.encrypt(key, text, corpId);
    return wecom.getSignature(token, timestamp, nonce, e);
  });
  console.log(JSON.stringify({ op: 'EncryptSign', size, ...seal }));
}
