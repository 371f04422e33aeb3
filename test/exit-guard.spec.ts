// The exit guard (test/support/exit-guard.ts) turns a test run that cannot end into a failure that names
// what was left open, instead of a CI run hanging to its time limit.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mochaBin = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

interface MochaRun { code: number | null; stderr: string }

/**
 * Runs mocha on one fixture file. mocha's bin starts a second node process for the node options, so the run
 * gets a process group of its own, killed whole if it outlives the deadline (a broken guard must not leave
 * the fixture's server behind).
 */
function runMocha(fixture: string): Promise<MochaRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mochaBin, path.join('test/support/fixtures', fixture)], { cwd: root, env: { ...process.env, V1HUB_TEST_EXIT_GRACE_MS: '300' }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stderr });
    });
  });
}

describe('exit guard', function () {
  this.timeout(90_000);

  it('fails a run whose tests all passed but left a server open, and names it', async () => {
    const run = await runMocha('leaves-a-server-open.ts');
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/exit guard: the test process was still running 0\.3 s after the run ended; left open: .*TCPServerWrap/);
  });

  it('lets a run that closed everything end at once, passing', async () => {
    const run = await runMocha('closes-what-it-opens.ts');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.not.include('exit guard');
  });
});
