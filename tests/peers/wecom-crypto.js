// Plays the official @wecom/crypto package for CrmChat's crypto cross-check tests.
// One request per line on stdin (JSON), one answer per line on stdout, in order:
//   {"op":"seal", "key","token","id","message","timestamp","nonce", "random"?: base64}
//     -> {"encrypt","signature"}
//   {"op":"open", "key","token","encrypt","timestamp","nonce","signature"}
//     -> {"signatureValid", "message", "id"}
// A request the package cannot serve answers {"error": "..."} and the harness keeps running.
'use strict';

const readline = require('readline');
const wecom = require('@wecom/crypto');

function serve(request) {
  switch (request.op) {
    case 'seal': {
      const random = request.random ? Buffer.from(request.random, 'base64') : undefined;
      const encrypt = wecom.encrypt(request.key, request.message, request.id, random);
      const signature = wecom.getSignature(request.token, request.timestamp, request.nonce, encrypt);
      return { encrypt, signature };
    }
    case 'open': {
      const expected = wecom.getSignature(request.token, request.timestamp, request.nonce, request.encrypt);
      const { message, id } = wecom.decrypt(request.key, request.encrypt);
      return { signatureValid: expected === request.signature, message, id };
    }
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let answer;
  try {
    answer = serve(JSON.parse(line));
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
