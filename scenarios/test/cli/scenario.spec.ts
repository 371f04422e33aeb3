import { expect } from 'chai';
import { makeTempDir, runCli, spawnCli, type CliProcess, type TempDir } from '@v1hub/shared/testing';
import { main, type CliIo } from '../../src/index.js';
import { Recorder } from '../../src/recorder.js';
import type { Transcript } from '../../src/transcript.js';

/** Runs `v1hub …` in this process (the services it talks to are real processes). */
async function v1hub(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (line) => (stdout += `${line}\n`), err: (line) => (stderr += `${line}\n`), stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** A token signature in the clear: 40 hex digits standing alone (image ids and checksums are 64). */
const RAW_SIGNATURE = /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/;
/** A `signature=` value longer than the masked form (6 characters, then "…"). */
const UNMASKED_TOKEN = /signature[:=]\s*"?[^",\s…]{7,}/i;
const NOT_OBSERVABLE = 'not observable against external services';

describe('v1hub scenario: every output format masks every token', function () {
  this.timeout(120_000);

  it('a raw token given as an expectation detail or a note is masked by the recorder', () => {
    const recorder = new Recorder();
    recorder.begin('C0', 'set-up', '');
    const token = 'signature=f3326e1e7da45f6724af4c5d3dcd1f429e30da83,repository="alice/doomed",access=read';
    const e = recorder.expect(`kept ${token}`, true, token);
    recorder.note(`the token was ${token}; Basic ${Buffer.from('alice:password1').toString('base64')}`);
    const text = JSON.stringify(recorder.steps);
    expect(text).not.to.match(RAW_SIGNATURE);
    expect(e.detail).to.equal('signature=f3326e…,repository="alice/doomed",access=read');
    expect(text).to.include('Basic ****').and.not.include('YWxpY2U6');
  });

  for (const format of ['text', 'json', 'mermaid', 'html']) {
    it(`scenario all --format ${format}: no signature in the clear anywhere`, async () => {
      const r = await v1hub(['scenario', 'all', '--format', format]);
      expect(r.code, r.stderr).to.equal(0);
      // Tokens are there, masked, so the scan below looks at outputs that carry them (the diagram names no token).
      if (format !== 'mermaid') expect(r.stdout).to.match(/signature=[0-9a-f]{6}…/);
      expect(r.stdout.match(RAW_SIGNATURE)?.[0], 'a 40-hex signature in the clear').to.equal(undefined);
      expect(r.stdout.match(UNMASKED_TOKEN)?.[0], 'an unmasked token').to.equal(undefined);
      expect(r.stderr).not.to.match(RAW_SIGNATURE);
    });
  }
});

describe('v1hub scenario --format mermaid is valid Mermaid (checked by the real mermaid parser)', function () {
  this.timeout(120_000);
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('v1hub-mermaid');
  });
  after(() => dir.remove());

  it('scenario all: one document the parser accepts, with every scenario in it', async () => {
    const { default: mermaid } = await import('mermaid');
    const r = await v1hub(['scenario', 'all', '--format', 'mermaid']);
    expect(r.code, r.stderr).to.equal(0);
    expect(await mermaid.parse(r.stdout)).to.deep.include({ diagramType: 'sequence' });
    expect(r.stdout.match(/^sequenceDiagram$/gm)).to.have.length(1);
    for (const workflow of ['A', 'B', 'C', 'D', 'E', 'F']) expect(r.stdout).to.include(`Note over`).and.match(new RegExp(`Scenario ${workflow}: `));
  });

  it('scenario all --out DIR: one document per scenario, each accepted', async () => {
    const { default: mermaid } = await import('mermaid');
    const r = await v1hub(['scenario', 'all', '--format', 'mermaid', '--out', dir.path]);
    expect(r.code, r.stderr).to.equal(0);
    const fs = await import('node:fs/promises');
    const files = (await fs.readdir(dir.path)).filter((f) => f.endsWith('.mmd')).sort();
    expect(files).to.have.length(6);
    for (const file of files) expect(await mermaid.parse(await fs.readFile(`${dir.path}/${file}`, 'utf8')), file).to.deep.include({ diagramType: 'sequence' });
    const wrong = await v1hub(['scenario', 'pull', '--format', 'json', '--out', dir.path]);
    expect(wrong.code).to.equal(2);
  });
});

describe('v1hub scenario against services already running (real processes)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let up: CliProcess;
  let standalone: CliProcess;
  let index: string;
  let registry: string;
  let standaloneRegistry: string;

  before(async () => {
    dir = await makeTempDir('v1hub-scenario-external');
    up = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--metadata', 'memory', '--storage', 'memory', '--log-level', 'warn'], { cwd: dir.path, env: { V1HUB_ADMIN_PASSWORD: 'admin-pass' } });
    standalone = spawnCli(['registry', '--port', '0', '--standalone', '--storage', 'memory', '--log-level', 'warn'], { cwd: dir.path });
    index = ((await up.waitFor(/index listening on (http:\/\/\S+)/)) as RegExpMatchArray)[1] as string;
    registry = ((await up.waitFor(/registry listening on (http:\/\/\S+)/)) as RegExpMatchArray)[1] as string;
    standaloneRegistry = ((await standalone.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray)[1] as string;
  });
  after(async () => {
    await up?.stop();
    await standalone?.stop();
    await dir?.remove();
  });

  it('pull, twice against the same services: exit 0 both times, the registry → Index calls marked not observable', async () => {
    for (const run of [1, 2]) {
      const r = await runCli(['scenario', 'pull', '--index', index, '--registry', registry]);
      expect(r.code, `run ${run}: ${r.stderr}`).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`○ the registry asks the Index about the token before answering each request \\(A4\\) — ${NOT_OBSERVABLE}`));
      expect(r.stdout).to.match(new RegExp(`○ the Index answered false to the registry — ${NOT_OBSERVABLE}`));
      // What the client sees is still checked.
      expect(r.stdout).to.include('✔ every registry request carries Authorization: Token …').and.include('✔ the registry refuses the tampered token with 401').and.include('✔ …so the registry serves every request (200)');
      expect(r.stdout).not.to.include('✘');
      expect(r.stdout).to.match(/every observable expectation held \(\d+ not observable\)/);
    }
  });

  it('all, twice: pull, push and delete pass (an existing account logs in), standalone and custom-index are skipped', async () => {
    for (const run of [1, 2]) {
      const r = await v1hub(['scenario', 'all', '--index', index, '--registry', registry, '--format', 'json']);
      expect(r.code, `run ${run}: ${r.stderr}`).to.equal(0);
      const transcripts = JSON.parse(r.stdout) as Transcript[];
      expect(transcripts.map((t) => t.scenario)).to.deep.equal(['pull', 'push', 'delete']);
      for (const t of transcripts) {
        const expectations = t.steps.flatMap((s) => s.expectations);
        expect(t.ok, t.scenario).to.equal(true);
        expect(expectations.filter((e) => e.held === false), t.scenario).to.deep.equal([]);
        const unobserved = expectations.filter((e) => e.held === null);
        expect(unobserved, `${t.scenario}: the registry → Index calls cannot be seen`).not.to.be.empty;
        expect(unobserved.every((e) => e.notObservable?.startsWith(NOT_OBSERVABLE))).to.equal(true);
        expect(expectations.filter((e) => e.held === true).length, `${t.scenario}: what the client sees is checked`).to.be.greaterThan(unobserved.length);
      }
      const b0 = transcripts[1]?.steps.find((s) => s.number === 'B0');
      expect(b0?.exchanges.map((x) => `${x.method} ${x.status}`), 'docker login: the account exists, so 400 then GET').to.include.members(['POST 400', 'GET 200']);
      expect(r.stderr).to.match(/^v1hub: scenario standalone skipped: .*standalone registry/m).and.match(/^v1hub: scenario custom-index skipped: .*in-process/m).and.match(/^v1hub: scenario v2 skipped: .*--v2/m);
      expect(r.stderr).not.to.include('failed');
    }
  });

  it('standalone, twice against a standalone registry; all with --registry alone runs only it', async () => {
    for (const run of [1, 2]) {
      const r = await v1hub(['scenario', 'standalone', '--registry', standaloneRegistry]);
      expect(r.code, `run ${run}: ${r.stderr}`).to.equal(0);
      expect(r.stdout).to.include(`○ no Index was ever contacted — ${NOT_OBSERVABLE}`);
    }
    const all = await v1hub(['scenario', 'all', '--registry', standaloneRegistry, '--format', 'json']);
    expect(all.code, all.stderr).to.equal(0);
    expect((JSON.parse(all.stdout) as Transcript).scenario).to.equal('standalone');
    for (const id of ['pull', 'push', 'delete', 'custom-index']) expect(all.stderr).to.include(`scenario ${id} skipped:`);
  });

  it('a scenario asked for by name that does not fit the services given is a usage error (exit 2)', async () => {
    const standaloneWithIndex = await v1hub(['scenario', 'standalone', '--index', index, '--registry', registry]);
    expect(standaloneWithIndex.code).to.equal(2);
    expect(standaloneWithIndex.stderr).to.include('standalone registry');
    const custom = await v1hub(['scenario', 'custom-index', '--index', index, '--registry', registry]);
    expect(custom.code).to.equal(2);
    expect(custom.stderr).to.include('only runs in-process');
    const pullWithoutIndex = await v1hub(['scenario', 'pull', '--registry', registry]);
    expect(pullWithoutIndex.code).to.equal(2);
    expect((await v1hub(['scenario', 'all', '--index', index])).code).to.equal(2);
  });
});
