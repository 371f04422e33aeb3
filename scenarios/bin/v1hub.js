#!/usr/bin/env -S node --initial-heap-size=64
// The v1hub command line. Runs the built output (`npm ci` builds it through the root `prepare` script).
//
// Why the heap flag (issue 12, measured with --trace-gc on a 256 MiB layer push): with V8's default start, the
// registry's old generation sits just under its first allocation limit once the program is loaded, so the
// socket buffers a layer promotes start incremental marking over and over: 9–12 mark-compacts per 256 MiB,
// a third of the push's CPU. Starting the heap at 64 MiB removes them (push 75–81 → 49–54 ticks, pull
// 20–26 → 12–18, peak RSS unchanged). The flag is not allowed in NODE_OPTIONS, hence the shebang; `node
// scenarios/bin/v1hub.js` runs without it, and correctly, only slower.
import '../dist/cli/run.js';
