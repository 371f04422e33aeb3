/**
 * `npm run bench`: issue #12's table in one run. Every row puts v1hub beside a baseline measured in the same
 * run, as a ratio with min/median/max over rotated rounds (baseline, v1hub, baseline again as the noise
 * control, the order rotated each round; data cleared after each run):
 *
 * - registry push and pull of a layer tar (curl as the client) against the ceiling: a plain node:http server
 *   that sha256-hashes the body while streaming it to a file and fsyncs it; CPU seconds per GB of both;
 * - GET tags through the registry with a read token (a registry → Index validation each), 16 callers, against
 *   a plain node:http server answering the same JSON; again with 20 000 live tokens;
 * - the `v1hub push` CLI against `gzip -6 | curl -T`, and `v1hub pull` against `curl | gunzip > file`, and
 *   the registry's peak RSS during that push over its RSS when fresh.
 *
 *   npm run bench [-- --rounds 3 --push-mib 256,1024 --cli-mib 1024 --only push,tags,cli --record]
 *
 * `--record` appends the table to bench/RESULTS.md with the date, commit and machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatBasic } from '@v1hub/shared';
import { writeExampleImage } from '@v1hub/shared/client';
import { startCeilingServer } from './lib/ceiling-server.js';
import { writeLayerTar, writeSaveTar } from './lib/data.js';
import { requestRate } from './lib/load.js';
import { cpuSeconds, peakRssMiB, shell, spread, timed, type Spread } from './lib/measure.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'scenarios', 'bin', 'v1hub.js');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}
const ROUNDS = Number(option('rounds', '3'));
const PUSH_MIB = option('push-mib', '256,1024').split(',').map(Number);
const CLI_MIB = Number(option('cli-mib', '1024'));
const ONLY = new Set(option('only', 'push,tags,cli').split(','));
const RECORD = process.argv.includes('--record');
const CONCURRENCY = 16;
const LOAD_SECONDS = 3;

interface Row {
  readonly measure: string;
  readonly baseline: string;
  readonly v1hub: string;
  /** v1hub ÷ baseline per round (higher is better) or an absolute figure. */
  readonly ratio: Spread | null;
  readonly control: Spread | null;
  readonly target: string;
  readonly met: boolean;
}
const rows: Row[] = [];

interface Service {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts a built `v1hub` service process and waits for its "listening on" line. */
async function startService(args: readonly string[], env: Record<string, string> = {}): Promise<Service> {
  // Run as users run it (`npx v1hub`, `npm start`): the executable itself, so its shebang's node flags apply.
  const child: ChildProcess = spawn(CLI, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`v1hub ${args.join(' ')} exited ${code}: ${out}`)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { url, pid: child.pid as number, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

/** Runs the built `v1hub` CLI; resolves with its output, rejects when it fails. */
function cli(args: readonly string[], env: Record<string, string>): Promise<string> {
  const quote = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
  return shell(`${assignments.join(' ')} ${[CLI, ...args].map(quote).join(' ')} 2>&1`);
}

/** The order of the three runs in round `r`: rotated, so no contestant always goes first. */
function rotation<T>(items: readonly T[], r: number): T[] {
  return items.map((_, i) => items[(i + r) % items.length] as T);
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const ratioText = (s: Spread | null): string => (s ? `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}` : '–');

async function registryRows(dir: string, mib: number): Promise<void> {
  const layer = path.join(dir, `layer-${mib}.tar`);
  const bytes = await writeLayerTar(layer, mib);
  const gb = bytes / 1e9;
  fs.mkdirSync(path.join(dir, 'ceiling'), { recursive: true });
  const ceiling = await startCeilingServer(path.join(dir, 'ceiling'));
  const storage = path.join(dir, 'registry');
  const registry = await startService(['registry', '--standalone', '--port', '0', '--storage', `local:${storage}`, '--log-level', 'warn']);
  const push = { ceiling: [] as number[], v1hub: [] as number[], control: [] as number[] };
  const pull = { ceiling: [] as number[], v1hub: [] as number[], control: [] as number[] };
  const cpuPush = { ceiling: [] as number[], v1hub: [] as number[] };
  const cpuPull = { ceiling: [] as number[], v1hub: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of rotation(['ceiling', 'v1hub', 'control'] as const, round)) {
        if (who === 'v1hub') {
          const id = crypto.randomBytes(32).toString('hex');
          const json = JSON.stringify({ id, created: '2015-01-22T12:00:00Z' });
          await shell(`curl -sS -f -X PUT --data-binary '${json}' ${registry.url}/v1/images/${id}/json -o /dev/null`);
          const cpu0 = cpuSeconds(registry.pid);
          const up = await timed(() => shell(`curl -sS -f -T ${layer} -H 'Transfer-Encoding: chunked' ${registry.url}/v1/images/${id}/layer -o /dev/null`));
          cpuPush.v1hub.push((cpuSeconds(registry.pid) - cpu0) / gb);
          const checksums = JSON.parse(fs.readFileSync(path.join(storage, 'images', id, '_checksum'), 'utf8')) as string[];
          await shell(`curl -sS -f -X PUT -H 'X-Docker-Checksum-Payload: ${checksums[0]}' ${registry.url}/v1/images/${id}/checksum -o /dev/null`);
          const cpu1 = cpuSeconds(registry.pid);
          const down = await timed(() => shell(`curl -sS -f ${registry.url}/v1/images/${id}/layer -o /dev/null`));
          cpuPull.v1hub.push((cpuSeconds(registry.pid) - cpu1) / gb);
          push.v1hub.push(up.seconds);
          pull.v1hub.push(down.seconds);
          fs.rmSync(path.join(storage, 'images', id), { recursive: true, force: true });
        } else {
          const cpu0 = cpuSeconds(ceiling.pid);
          const up = await timed(() => shell(`curl -sS -f -T ${layer} -H 'Transfer-Encoding: chunked' ${ceiling.url}/r${round}/up -o /dev/null`));
          const cpu1 = cpuSeconds(ceiling.pid);
          const down = await timed(() => shell(`curl -sS -f ${ceiling.url}/r${round}/down -o /dev/null`));
          if (who === 'ceiling') {
            cpuPush.ceiling.push((cpu1 - cpu0) / gb);
            cpuPull.ceiling.push((cpuSeconds(ceiling.pid) - cpu1) / gb);
          }
          push[who].push(up.seconds);
          pull[who].push(down.seconds);
          fs.rmSync(path.join(dir, 'ceiling', `object_r${round}_up`), { force: true });
        }
      }
    }
  } finally {
    await registry.stop();
    await ceiling.stop();
    fs.rmSync(layer, { force: true });
  }
  const perRound = (a: number[], b: number[]): number[] => a.map((t, i) => t / (b[i] as number));
  const rate = (seconds: number[]): string => `${fmt(mib / spread(seconds).median, 0)} MiB/s`;
  const pushRatio = spread(perRound(push.ceiling, push.v1hub));
  rows.push({ measure: `registry push, ${mib} MiB layer tar`, baseline: rate(push.ceiling), v1hub: rate(push.v1hub), ratio: pushRatio, control: spread(perRound(push.ceiling, push.control)), target: '≥ 1.00', met: pushRatio.median >= 1 });
  const cpu = spread(cpuPush.v1hub);
  rows.push({ measure: `registry CPU s per GB pushed (${mib} MiB)`, baseline: `${fmt(spread(cpuPush.ceiling).median)} s`, v1hub: `${fmt(cpu.median)} s`, ratio: cpu, control: null, target: '≤ 0.80 s', met: cpu.median <= 0.8 });
  const pullRatio = spread(perRound(pull.ceiling, pull.v1hub));
  rows.push({ measure: `registry pull, ${mib} MiB`, baseline: rate(pull.ceiling), v1hub: rate(pull.v1hub), ratio: pullRatio, control: spread(perRound(pull.ceiling, pull.control)), target: '≥ 0.95', met: pullRatio.median >= 0.95 });
  const pullCpu = spread(cpuPull.v1hub);
  rows.push({ measure: `registry CPU s per GB pulled (${mib} MiB)`, baseline: `${fmt(spread(cpuPull.ceiling).median)} s`, v1hub: `${fmt(pullCpu.median)} s`, ratio: pullCpu, control: null, target: '≤ 0.40 s', met: pullCpu.median <= 0.4 });
}

async function tagsRows(dir: string): Promise<void> {
  const env = { V1HUB_ADMIN_PASSWORD: 'bench-admin' };
  const registryPort = 20000 + Math.floor(Math.random() * 20000);
  const index = await startService(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], env);
  const registry = await startService(['registry', '--port', String(registryPort), '--storage', `local:${path.join(dir, 'tags-registry')}`, '--index', index.url, '--log-level', 'warn'], env);
  // The same storage behind a registry that reuses a "true" for one second: the longest delay issue 8's
  // revocation rule allows (a revocation is seen within one second by every registry).
  const cachedRegistry = await startService(['registry', '--port', '0', '--storage', `local:${path.join(dir, 'tags-registry')}`, '--index', index.url, '--validation-cache', '1', '--log-level', 'warn'], env);
  const ceiling = await startCeilingServer(path.join(dir));
  const host = new URL(index.url).host;
  const clientEnv = { V1HUB_CONFIG: path.join(dir, 'tags-client.json') };
  try {
    await cli(['login', host, '-u', 'bench', '-p', 'password1', '-e', 'bench@example.com'], clientEnv);
    const example = path.join(dir, 'example.tar');
    await writeExampleImage(example);
    await cli(['push', `${host}/bench/app:latest`, '--from', example], clientEnv);
    const basic = formatBasic('bench', 'password1');
    const issue = async (): Promise<string> => {
      const res = await fetch(`${index.url}/v1/repositories/bench/app/images`, { headers: { Authorization: basic, 'X-Docker-Token': 'true' } });
      await res.arrayBuffer();
      return res.headers.get('x-docker-token') as string;
    };
    const token = await issue();
    const tagsUrl = `${registry.url}/v1/repositories/bench/app/tags`;
    const auth = { Authorization: `Token ${token}` };
    const cachedTagsUrl = `${cachedRegistry.url}/v1/repositories/bench/app/tags`;
    // Warm-up: JIT and connections, for every contestant.
    await requestRate(tagsUrl, auth, CONCURRENCY, 3);
    await requestRate(cachedTagsUrl, auth, CONCURRENCY, 3);
    await requestRate(`${ceiling.url}/tags`, {}, CONCURRENCY, 3);
    const plain: number[] = [];
    const v1hub: number[] = [];
    const control: number[] = [];
    const cpuPerRequest: number[] = [];
    const cached: number[] = [];
    const cachedCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of rotation(['plain', 'v1hub', 'control', 'cached'] as const, round)) {
        if (who === 'cached') {
          const cpu0 = cpuSeconds(cachedRegistry.pid);
          const rate = await requestRate(cachedTagsUrl, auth, CONCURRENCY, LOAD_SECONDS);
          cachedCpu.push(((cpuSeconds(cachedRegistry.pid) - cpu0) / (rate * LOAD_SECONDS)) * 1e6);
          cached.push(rate);
        } else if (who === 'v1hub') {
          const cpu0 = cpuSeconds(registry.pid);
          const rate = await requestRate(tagsUrl, auth, CONCURRENCY, LOAD_SECONDS);
          cpuPerRequest.push(((cpuSeconds(registry.pid) - cpu0) / (rate * LOAD_SECONDS)) * 1e6);
          v1hub.push(rate);
        } else {
          (who === 'plain' ? plain : control).push(await requestRate(`${ceiling.url}/tags`, {}, CONCURRENCY, LOAD_SECONDS));
        }
      }
    }
    const ratio = spread(v1hub.map((r, i) => r / (plain[i] as number)));
    rows.push({ measure: `GET tags, read token (registry → Index), c = ${CONCURRENCY}`, baseline: `${fmt(spread(plain).median, 0)} req/s`, v1hub: `${fmt(spread(v1hub).median, 0)} req/s, ${fmt(spread(cpuPerRequest).median, 0)} µs CPU/req`, ratio, control: spread(control.map((r, i) => r / (plain[i] as number))), target: '≥ 0.31', met: ratio.median >= 0.31 });

    const cachedRatio = spread(cached.map((r, i) => r / (plain[i] as number)));
    rows.push({ measure: 'the same with --validation-cache 1 (a revocation seen within 1 s)', baseline: `${fmt(spread(plain).median, 0)} req/s`, v1hub: `${fmt(spread(cached).median, 0)} req/s, ${fmt(spread(cachedCpu).median, 0)} µs CPU/req`, ratio: cachedRatio, control: null, target: '≥ 0.31', met: cachedRatio.median >= 0.31 });

    // 20 000 live tokens: the same measure must stay flat.
    const few = spread(v1hub).median;
    for (let issued = 1; issued < 20_000; issued += CONCURRENCY) await Promise.all(Array.from({ length: CONCURRENCY }, issue));
    const many: number[] = [];
    for (let round = 0; round < ROUNDS; round++) many.push(await requestRate(tagsUrl, auth, CONCURRENCY, LOAD_SECONDS));
    const flat = spread(many.map((r) => r / few));
    rows.push({ measure: 'the same with 20 000 live tokens, ÷ with 1', baseline: `${fmt(few, 0)} req/s`, v1hub: `${fmt(spread(many).median, 0)} req/s`, ratio: flat, control: null, target: '≥ 0.90 (flat)', met: flat.median >= 0.9 });
  } finally {
    await cachedRegistry.stop();
    await registry.stop();
    await index.stop();
    await ceiling.stop();
  }
}

async function cliRows(dir: string): Promise<void> {
  const layer = path.join(dir, 'cli-layer.tar');
  const bytes = await writeLayerTar(layer, CLI_MIB);
  const mb = bytes / 1e6;
  const save = path.join(dir, 'cli-save.tar');
  await writeSaveTar(save, layer, 'bench/app');
  const ceiling = await startCeilingServer(path.join(dir));
  const push = { baseline: [] as number[], v1hub: [] as number[], control: [] as number[] };
  const pull = { baseline: [] as number[], v1hub: [] as number[], control: [] as number[] };
  const rssGrowth: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of rotation(['baseline', 'v1hub', 'control'] as const, round)) {
        const out = path.join(dir, 'cli-out');
        if (who !== 'v1hub') {
          push[who].push((await timed(() => shell(`gzip -6 < ${layer} | curl -sS -f -T - -H 'Transfer-Encoding: chunked' ${ceiling.url}/g${round}/up -o /dev/null`))).seconds);
          pull[who].push((await timed(() => shell(`curl -sS -f ${ceiling.url}/g${round}/down | gunzip > ${out}`))).seconds);
          fs.rmSync(path.join(dir, `object_g${round}_up`), { force: true });
        } else {
          const env = { V1HUB_ADMIN_PASSWORD: 'bench-admin' };
          const registryPort = 20000 + Math.floor(Math.random() * 20000);
          const data = path.join(dir, `cli-stack-${round}`);
          const index = await startService(['index', '--port', '0', '--metadata', 'memory', '--endpoints', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], env);
          const registry = await startService(['registry', '--port', String(registryPort), '--storage', `local:${data}`, '--index', index.url, '--log-level', 'warn'], env);
          const host = new URL(index.url).host;
          const clientEnv = { V1HUB_CONFIG: path.join(dir, 'cli-client.json') };
          try {
            await cli(['login', host, '-u', 'bench', '-p', 'password1', '-e', 'bench@example.com'], clientEnv);
            const fresh = peakRssMiB(registry.pid);
            push.v1hub.push((await timed(() => cli(['push', `${host}/bench/app`, '--from', save], clientEnv))).seconds);
            rssGrowth.push(peakRssMiB(registry.pid) - fresh);
            pull.v1hub.push((await timed(() => cli(['pull', `${host}/bench/app`, '--to', `${out}.tar`], clientEnv))).seconds);
          } finally {
            await registry.stop();
            await index.stop();
            fs.rmSync(data, { recursive: true, force: true });
          }
        }
        fs.rmSync(out, { force: true });
        fs.rmSync(`${out}.tar`, { force: true });
      }
    }
  } finally {
    await ceiling.stop();
    fs.rmSync(layer, { force: true });
    fs.rmSync(save, { force: true });
  }
  const rate = (seconds: number[]): string => `${fmt(mb / spread(seconds).median, 1)} MB/s`;
  const perRound = (a: number[], b: number[]): number[] => a.map((t, i) => t / (b[i] as number));
  const pushRatio = spread(perRound(push.baseline, push.v1hub));
  rows.push({ measure: `v1hub push CLI, ${CLI_MIB} MiB (vs gzip -6 | curl -T)`, baseline: rate(push.baseline), v1hub: rate(push.v1hub), ratio: pushRatio, control: spread(perRound(push.baseline, push.control)), target: '≥ 1.60', met: pushRatio.median >= 1.6 });
  const pullRatio = spread(perRound(pull.baseline, pull.v1hub));
  rows.push({ measure: `v1hub pull CLI, ${CLI_MIB} MiB (vs curl | gunzip > file)`, baseline: rate(pull.baseline), v1hub: rate(pull.v1hub), ratio: pullRatio, control: spread(perRound(pull.baseline, pull.control)), target: '≥ 0.90', met: pullRatio.median >= 0.9 });
  const rss = spread(rssGrowth);
  rows.push({ measure: `registry peak RSS during that push, over fresh`, baseline: '–', v1hub: `+${fmt(rss.median, 0)} MiB`, ratio: rss, control: null, target: '≤ +48 MiB', met: rss.median <= 48 });
}

function table(): string {
  const header = ['measure', 'baseline (median)', 'v1hub (median)', 'ratio or figure min / median / max', 'control', 'target', 'met'];
  const lines = rows.map((r) => [r.measure.replace(/\|/g, "\\|"), r.baseline, r.v1hub, ratioText(r.ratio), ratioText(r.control), r.target, r.met ? 'yes' : 'NO']);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  execFileSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1hub-bench-'));
  try {
    if (ONLY.has('push')) for (const mib of PUSH_MIB) await registryRows(dir, mib);
    if (ONLY.has('tags')) await tagsRows(dir);
    if (ONLY.has('cli')) await cliRows(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const text = table();
  process.stdout.write(`\n${text}\n\nratios: v1hub ÷ baseline per round (throughputs; CPU and RSS rows give the figure itself); control: the baseline run twice per round, ÷ itself. ${ROUNDS} rounds.\n`);
  if (RECORD) {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
    const entry = `\n## ${new Date().toISOString().slice(0, 10)} — \`npm run bench\` at ${commit}\n\nMachine: ${os.availableParallelism()} cores (\`nproc\`), ${cpu}; ${ROUNDS} rounds, options \`${process.argv.slice(2).join(' ')}\`.\n\n${text}\n`;
    fs.appendFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), entry);
  }
}

await main();
