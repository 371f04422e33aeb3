// The exit guard (test/support/exit-guard.ts) turns a test run that cannot end into a failure that names
// what was left open, instead of a CI run hanging to its time limit.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mochaBin = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

interface MochaRun { code: number | null; stderr: string }

function runMocha(fixture: string): Promise<MochaRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [mochaBin, path.join('test/support/fixtures', fixture)], { cwd: root, env: { ...process.env, V1HUB_TEST_EXIT_GRACE_MS: '300' }, timeout: 60_000 }, (err, _stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stderr });
    });
  });
}

describe('exit guard', function () {
  this.timeout(90_000);

  it('fails a run whose tests all passed but left a server open, and names it', async () => {
    const run = await runMocha('leaves-a-server-open.ts');
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/exit guard: the test process was still running 0\.3 s after the last test; left open: .*TCPServerWrap/);
  });

  it('lets a run that closed everything end at once, passing', async () => {
    const run = await runMocha('closes-what-it-opens.ts');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.not.include('exit guard');
  });
});
