/**
 * How long the five scenario replays take (issue #7: `v1hub scenario all` on embedded defaults should finish
 * well under 2 s). Reports, in one run: the in-process replay of all five (median of N), the same stacks started
 * and stopped with no workflow (the baseline: what the services cost before any exchange), and the whole
 * `v1hub scenario all` command as a process from the built CLI (node start-up included).
 *
 *   npm run build && node --import tsx --conditions=@v1hub/source bench/scenario-bench.ts [runs=5]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Recorder } from '../scenarios/src/recorder.js';
import { runScenario } from '../scenarios/src/runner.js';
import { startStack } from '../scenarios/src/stack.js';
import { SCENARIOS } from '../scenarios/src/workflows/index.js';

const runs = Number(process.argv[2] ?? 5);
const backends = { metadata: 'memory', storage: 'memory' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// Warm-up: JIT and module loading are not what we measure in-process.
for (const s of SCENARIOS) await runScenario(s, { backends });

const replay: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < runs; i++) {
  replay.push(await time(async () => {
    for (const s of SCENARIOS) {
      const t = await runScenario(s, { backends });
      if (!t.ok) throw new Error(`scenario ${s.id} failed`);
    }
  }));
  baseline.push(await time(async () => {
    for (const s of SCENARIOS) await (await startStack(s.topology, backends, new Recorder())).close();
  }));
}

const bin = path.resolve(import.meta.dirname, '../scenarios/bin/v1hub.js');
const processRuns: number[] = [];
for (let i = 0; i < Math.min(runs, 3); i++) {
  const t0 = performance.now();
  execFileSync(process.execPath, [bin, 'scenario', 'all', '--format', 'json', '--out', '/dev/null'], { stdio: 'ignore' });
  processRuns.push(performance.now() - t0);
}

process.stdout.write(`five scenario replays, metadata memory, storage memory (median of ${runs})\n`);
process.stdout.write(`${'stacks started and stopped, no workflow (baseline)'.padEnd(56)} ${median(baseline).toFixed(0).padStart(6)} ms\n`);
process.stdout.write(`${'all five replays, in-process'.padEnd(56)} ${median(replay).toFixed(0).padStart(6)} ms\n`);
process.stdout.write(`${'`v1hub scenario all` as a process (built CLI)'.padEnd(56)} ${median(processRuns).toFixed(0).padStart(6)} ms\n`);
