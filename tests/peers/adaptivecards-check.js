// Plays Microsoft's adaptivecards package for CrmChat's card tests: does a card CrmChat
// built parse cleanly with the library every Adaptive Card host is measured against?
// One request per line on stdin (JSON), one answer per line on stdout, in order:
//   {"op":"check", "card": "<Adaptive Card JSON text>"}
//     -> {"parse": [...], "validation": [...], "dropped": [...], "version": "..."}
// parse:      SerializationContext events (unknown types, invalid values, …)
// validation: validateProperties() events (duplicate ids, missing required values, …)
// dropped:    JSON paths the library did not read back (misspelled or unknown properties,
//             which it ignores without an event), found by comparing card.toJSON() with the input.
// Runs without a DOM: parsing and toJSON never touch one; rendering would.
'use strict';

const readline = require('readline');
const AC = require('adaptivecards/dist/adaptivecards.js');

function describe(e) {
  return {
    phase: AC.ValidationPhase[e.phase],
    event: AC.ValidationEvent[e.event],
    source: e.source && typeof e.source.getJsonTypeName === 'function' ? e.source.getJsonTypeName() : null,
    message: e.message,
  };
}

// toJSON leaves out values equal to the property's default (false, "default", "Default").
function isDefault(value) {
  return value === false || (typeof value === 'string' && value.toLowerCase() === 'default');
}

// Paths present in `input` but missing or different in `output`. Empty arrays and objects
// count as absent: the library leaves out empty collections, and default values.
function dropped(input, output, path, found) {
  if (Array.isArray(input)) {
    if (input.length === 0) return;
    if (!Array.isArray(output) || output.length !== input.length) {
      found.push(path);
      return;
    }
    input.forEach((item, i) => dropped(item, output[i], `${path}[${i}]`, found));
    return;
  }
  if (input !== null && typeof input === 'object') {
    if (Object.keys(input).length === 0) return;
    if (output === null || typeof output !== 'object' || Array.isArray(output)) {
      found.push(path);
      return;
    }
    for (const key of Object.keys(input)) {
      if (output[key] === undefined && isDefault(input[key])) continue;
      dropped(input[key], output[key], `${path}.${key}`, found);
    }
    return;
  }
  if (input !== output) found.push(path);
}

function check(cardJson) {
  const json = JSON.parse(cardJson);
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const parse = [];
  for (let i = 0; i < context.eventCount; i++) parse.push(describe(context.getEventAt(i)));
  const validation = card.validateProperties().validationEvents.map(describe);
  const found = [];
  dropped(json, card.toJSON(), '$', found);
  return { parse, validation, dropped: found, version: card.version ? card.version.toString() : null };
}

function serve(request) {
  switch (request.op) {
    case 'check':
      return check(request.card);
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
