/**
 * Registry memory and throughput with a large layer (issue #5: memory stays flat whatever the layer size).
 *
 *   node --import tsx --conditions=@v1hub/source bench/registry-layer-bench.ts [MiB=2048]
 *
 * Streams a MiB-sized tar layer (generated on the fly, never in memory) to a real `v1hub registry` process
 * (standalone, local storage: payload checksum + TarSum computed while streaming), downloads it back, and
 * reports the process's peak RSS (VmHWM) beside a baseline measured in the same run: a plain Node HTTP
 * server that only pipes the upload to a file and the file back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { spawnCli } from '@v1hub/shared/testing';

const mib = Number(process.argv[2] ?? 2048);
const size = mib * 1024 * 1024;
const id = crypto.createHash('sha256').update('bench').digest('hex');
const json = Buffer.from(JSON.stringify({ id, created: '2015-01-22T12:00:00Z' }));

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** A tar with one entry of `size` bytes, produced chunk by chunk. */
function tarStream(): NodeJS.ReadableStream {
  const pack = tar.pack();
  const chunk = crypto.randomBytes(1 << 20);
  const entry = pack.entry({ name: 'data.bin', size, mode: 0o644, mtime: new Date(0) });
  let written = 0;
  const pump = () => {
    while (written < size) {
      const n = Math.min(chunk.length, size - written);
      written += n;
      if (!entry.write(chunk.subarray(0, n))) return void entry.once('drain', pump);
    }
    entry.end();
    pack.finalize();
  };
  pump();
  return pack;
}

function request(url: string, method: string, body?: NodeJS.ReadableStream | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof Buffer) req.end(body);
    else if (body) body.pipe(req);
    else req.end();
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; s: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, s: Number(process.hrtime.bigint() - t0) / 1e9 };
}

const BASELINE = `
const http = require('http'), fs = require('fs');
const file = process.argv[1];
http.createServer((req, res) => {
  if (req.method === 'PUT') { const out = fs.createWriteStream(file); req.pipe(out); out.on('finish', () => res.end('true')); }
  else { res.setHeader('Content-Length', fs.statSync(file).size); fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res); }
}).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1hub-bench-'));
  const rows: string[][] = [];
  try {
    // Baseline: the least a server can do with these bytes.
    const base: ChildProcess = spawn(process.execPath, ['-e', BASELINE, path.join(dir, 'baseline.bin')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const baseUrl = await new Promise<string>((resolve) => base.stdout?.once('data', (d: Buffer) => resolve(/listening on (\S+)/.exec(d.toString())?.[1] as string)));
    const bUp = await timed(() => request(`${baseUrl}/up`, 'PUT', tarStream(), { 'Transfer-Encoding': 'chunked' }));
    const bDown = await timed(() => request(`${baseUrl}/down`, 'GET'));
    rows.push(['baseline (pipe to file and back)', (mib / bUp.s).toFixed(0), (mib / bDown.s).toFixed(0), peakRssMiB(base.pid as number).toFixed(0)]);
    base.kill();

    const registry = spawnCli(['registry', '--standalone', '--port', '0', '--storage', `local:${path.join(dir, 'registry')}`, '--log-level', 'warn']);
    const [, url] = (await registry.waitFor(/listening on (http:\/\/\S+)/)) as RegExpMatchArray;
    const pid = registry.child.pid as number;
    const idle = peakRssMiB(pid);
    await request(`${url}/v1/images/${id}/json`, 'PUT', json);
    const up = await timed(() => request(`${url}/v1/images/${id}/layer`, 'PUT', tarStream(), { 'Transfer-Encoding': 'chunked' }));
    if (up.value.status !== 200) throw new Error(`upload failed: ${up.value.status}`);
    const afterUpload = peakRssMiB(pid);
    const checksums = JSON.parse(fs.readFileSync(path.join(dir, 'registry', 'images', id, '_checksum'), 'utf8')) as string[];
    await request(`${url}/v1/images/${id}/checksum`, 'PUT', Buffer.alloc(0), { 'X-Docker-Checksum-Payload': checksums[0] as string });
    const down = await timed(() => request(`${url}/v1/images/${id}/layer`, 'GET'));
    if (down.value.bytes < size) throw new Error(`download short: ${down.value.bytes}`);
    rows.push(['v1hub registry (sha256 + payload + tarsum)', (mib / up.s).toFixed(0), (mib / down.s).toFixed(0), peakRssMiB(pid).toFixed(0)]);
    await registry.stop('SIGTERM');
    process.stdout.write(`registry idle peak RSS ${idle.toFixed(0)} MiB; after the ${mib} MiB upload ${afterUpload.toFixed(0)} MiB; checksums ${checksums.join(', ')}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nlayer of ${mib} MiB\n`);
  process.stdout.write(`${'server'.padEnd(44)} ${'up MiB/s'.padStart(9)} ${'down MiB/s'.padStart(11)} ${'peak RSS MiB'.padStart(13)}\n`);
  for (const [name, upRate, downRate, rss] of rows) process.stdout.write(`${(name as string).padEnd(44)} ${(upRate as string).padStart(9)} ${(downRate as string).padStart(11)} ${(rss as string).padStart(13)}\n`);
}

await main();
