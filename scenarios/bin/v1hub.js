#!/usr/bin/env node
// The v1hub command line. Runs the built output (`npm ci` builds it through the root `prepare` script).
import '../dist/cli/run.js';
