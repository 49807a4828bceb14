#!/usr/bin/env node
'use strict';
// Batch runner for handlebars.js (npm "handlebars", pinned in package-lock.json).
// Case: {"template": "...", "data": {...},
//        "helpers": "function (Handlebars) { Handlebars.registerHelper(...) }"   (optional),
//        "partials": {"name": "template source"}                                  (optional)}
// Each case gets a fresh Handlebars.create() environment; compile() with default options.
const path = require('path');
const Handlebars = require(path.join(__dirname, 'node_modules', 'handlebars'));
const { runBatch } = require('./_common');

runBatch((c, data) => {
  const hb = Handlebars.create();
  if (c.helpers !== undefined && c.helpers !== null) {
    if (typeof c.helpers !== 'string') throw new Error('"helpers" must be a string of JS source');
    const install = new Function('return (' + c.helpers + '\n);')();
    if (typeof install !== 'function') throw new Error('"helpers" is not a function expression');
    install(hb);
  }
  if (c.partials) {
    for (const [name, src] of Object.entries(c.partials)) hb.registerPartial(name, src);
  }
  return hb.compile(c.template)(data);
});
