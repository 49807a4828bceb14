#!/usr/bin/env node
'use strict';
// Batch runner for LiquidJS (npm "liquidjs", pinned in package-lock.json).
// Case: {"template": "...", "data": {...}}. One Liquid instance with default options
// (strictVariables: false, strictFilters: false, jsTruthy: false, no outputEscape),
// rendered with parseAndRenderSync.
const path = require('path');
const { Liquid } = require(path.join(__dirname, 'node_modules', 'liquidjs'));
const { runBatch } = require('./_common');

const engine = new Liquid();
runBatch((c, data) => engine.parseAndRenderSync(c.template, data));
