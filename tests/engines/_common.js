'use strict';
// Shared batch protocol for the node runners (see README.md):
// stdin = JSON array of cases, stdout = JSON array of {ok, output} | {ok: false, error}.
const fs = require('fs');

function oneLine(err) {
  let msg;
  if (err instanceof Error) {
    msg = (err.name && err.name !== 'Error' ? err.name + ': ' : '') + (err.message || String(err));
  } else {
    msg = String(err);
  }
  msg = msg.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '').join(' | ');
  return msg.length > 2000 ? msg.slice(0, 2000) + '...' : msg;
}

function runBatch(renderOne) {
  const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
  if (!Array.isArray(cases)) throw new Error('stdin must be a JSON array of cases');
  // The protocol owns stdout: send anything a helper or the engine logs to stderr.
  const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
  console.log = console.info = console.debug = toStderr;
  const results = cases.map((c) => {
    try {
      if (c === null || typeof c !== 'object' || typeof c.template !== 'string') {
        throw new Error('case has no "template" string');
      }
      const data = c.data === undefined || c.data === null ? {} : c.data;
      if (typeof data !== 'object' || Array.isArray(data)) throw new Error('"data" must be a JSON object');
      const output = renderOne(c, data);
      if (typeof output !== 'string') throw new Error('engine returned ' + typeof output);
      return { ok: true, output };
    } catch (err) {
      return { ok: false, error: oneLine(err) };
    }
  });
  fs.writeSync(1, JSON.stringify(results));
}

module.exports = { runBatch, oneLine };
