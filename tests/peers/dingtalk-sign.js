// Computes DingTalk's robot sign with Node's own crypto, for CrmChat's cross-check tests.
// One request per line on stdin (JSON), one answer per line on stdout, in order:
//   {"secret", "timestamp"} -> {"sign": Base64(HmacSHA256(secret, timestamp + "\n" + secret)),
//                               "urlSign": encodeURIComponent(sign)}
'use strict';

const crypto = require('crypto');
const readline = require('readline');

function serve(request) {
  const sign = crypto.createHmac('sha256', Buffer.from(request.secret, 'utf8'))
    .update(Buffer.from(`${request.timestamp}\n${request.secret}`, 'utf8'))
    .digest('base64');
  return { sign, urlSign: encodeURIComponent(sign) };
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
