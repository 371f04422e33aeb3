/**
 * Issue #15, TLS: a CA made in the test (Debian's openssl), `v1hub up` serving https with a certificate it
 * signed, and a full login, push and pull over https between real processes; a client without that CA (or
 * one that speaks plain http to it) fails with one clear line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { expect } from 'chai';
import { makeTempDir, runCli, spawnCli, type CliProcess, type TempDir } from '@v1hub/shared/testing';

function makeCertificates(dir: string): { ca: string; cert: string; key: string; otherCa: string } {
  const file = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=v1hub test CA');
  ssl('req', '-x509', ...ec, '-keyout', file('other.key'), '-out', file('other.pem'), '-days', '2', '-subj', '/CN=some other CA');
  ssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'));
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key'), otherCa: file('other.pem') };
}

describe('TLS: push and pull over https between real processes', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let up: CliProcess;
  let server: string;
  let certs: ReturnType<typeof makeCertificates>;
  const env = () => ({ V1HUB_ADMIN_PASSWORD: 'admin-pass', V1HUB_CONFIG: path.join(dir.path, 'config.json') });
  const cli = (args: string[]) => runCli(args, { env: env() });

  before(async () => {
    dir = await makeTempDir('v1hub-tls-');
    certs = makeCertificates(dir.path);
    up = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--data', path.join(dir.path, 'data'), '--tls-cert', certs.cert, '--tls-key', certs.key, '--ca', certs.ca, '--log-level', 'warn'], { cwd: dir.path, env: env() });
    const [, indexUrl] = (await up.waitFor(/index listening on (\S+)/)) as RegExpMatchArray;
    await up.waitFor(/registry listening on https:\/\//);
    const [, banner] = (await up.waitFor(/(npx v1hub login \S+ .*)\n/)) as RegExpMatchArray;
    expect(banner).to.include(`--ca ${certs.ca}`);
    expect(indexUrl).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    server = (indexUrl as string).replace('https://', '');
  });
  after(async () => {
    await up?.stop();
    await dir?.remove();
  });

  it('logs in, pushes and pulls over https with --ca, the registry checking tokens with the Index over https', async () => {
    const login = await cli(['login', server, '-u', 'alice', '-p', 'password1', '-e', 'alice@example.com', '--ca', certs.ca]);
    expect(login.code, login.stderr).to.equal(0);
    const push = await cli(['push', `${server}/alice/example:latest`, '--from', path.join(dir.path, 'data', 'example-image.tar'), '--ca', certs.ca]);
    expect(push.code, push.stderr).to.equal(0);
    const pull = await cli(['pull', `${server}/alice/example:latest`, '--to', path.join(dir.path, 'pulled.tar'), '--ca', certs.ca, '--json']);
    expect(pull.code, pull.stderr).to.equal(0);
    expect(JSON.parse(pull.stdout)).to.have.nested.property('images[0].verified', true);
    // Over https the Web UI's cookies are Secure.
    const cookies = await new Promise<string[]>((resolve, reject) => {
      https.get(`https://${server}/login`, { ca: readFileSync(certs.ca), headers: { Accept: 'text/html' } }, (res) => {
        res.resume();
        resolve(res.headers['set-cookie'] ?? []);
      }).on('error', reject);
    });
    expect(cookies.find((c) => c.startsWith('v1hub_form='))).to.match(/; secure/i).and.match(/httponly/i);
  });

  it('refuses a certificate no trusted CA signed: one clear line, exit 1, no retries', async () => {
    const wrong = await cli(['search', server, 'example', '--ca', certs.otherCa]);
    expect(wrong.code).to.equal(1);
    const lines = wrong.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/certificate no trusted CA signed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\): give its CA with --ca FILE/);
    expect(wrong.stderr).not.to.include('retrying');
  });

  it('fails in one line when the client speaks plain http to an https server', async () => {
    const plain = await cli(['search', server, 'example']);
    expect(plain.code).to.equal(1);
    expect(plain.stderr.trim().split('\n')).to.have.length(1);
    expect(plain.stderr).to.include(`Index ${server} dropped the connection`);
  });

  it('refuses a certificate without its key at start (exit 2, naming both flags)', async () => {
    const bad = await runCli(['index', '--port', '0', '--tls-cert', certs.cert], { env: env() });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--tls-cert needs --tls-key');
    const missing = await runCli(['registry', '--port', '0', '--standalone', '--tls-cert', path.join(dir.path, 'nope.pem'), '--tls-key', certs.key], { env: env() });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('no such file');
  });
});
