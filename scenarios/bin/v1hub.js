#!/bin/sh
':' //; exec node --initial-heap-size=64 "$0" "$@"
// The v1hub command line. Runs the built output (`npm ci` builds it through the root `prepare` script).
//
// Line 2 is for the shell (`:` does nothing, then `exec` replaces it with node, same pid) and a no-op for
// JavaScript, so V8's flags can be set without `env -S` or NODE_OPTIONS (which refuses this one).
// Why the flag (issue 12, measured with --trace-gc on a 256 MiB layer push): with V8's default start, the
// registry's old generation sits just under its first allocation limit once the program is loaded, so the
// socket buffers a layer push promotes start incremental marking over and over: 9–12 mark-compacts per
// 256 MiB, a third of the push's CPU. Starting the heap at 64 MiB removes them (push 75–81 → 49–54 ticks,
// pull 20–26 → 12–18, peak RSS unchanged). `node scenarios/bin/v1hub.js` runs without it, correctly, slower.
import '../dist/cli/run.js';
