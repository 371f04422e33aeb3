// The physical ceiling of this design, as a separate process: a plain node:http server that sha256-hashes a
// PUT body while streaming it to a file and fsyncs it (what a registry must do at least), serves the file
// back on GET, and answers GET /tags with a small JSON (the plain-http baseline for request rates).
import { spawn, type ChildProcess } from 'node:child_process';

const SERVER = `
const http = require('http'), fs = require('fs'), crypto = require('crypto'), path = require('path');
const dir = process.argv[1];
http.createServer((req, res) => {
  const file = path.join(dir, 'object' + req.url.replace(/[^a-z0-9]/gi, '_'));
  if (req.method === 'PUT') {
    const hash = crypto.createHash('sha256');
    const out = fs.createWriteStream(file, { flush: true, highWaterMark: 1 << 20 });
    req.on('data', (chunk) => hash.update(chunk));
    req.pipe(out);
    // 'close', not 'finish': with flush the fsync runs at close, and a registry answers only once the
    // layer is durable, so the ceiling waits for it too.
    out.on('close', () => res.end(JSON.stringify('sha256:' + hash.digest('hex'))));
  } else if (req.url === '/tags') {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"latest": "${'a'.repeat(64)}"}');
  } else {
    const size = fs.statSync(file.replace(/_down$/, '_up')).size;
    res.setHeader('Content-Length', size);
    fs.createReadStream(file.replace(/_down$/, '_up'), { highWaterMark: 1 << 20 }).pipe(res);
  }
}).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

export interface CeilingServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the ceiling server storing its objects in `dir`; PUT /x/up stores, GET /x/down serves it back. */
export async function startCeilingServer(dir: string): Promise<CeilingServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ceiling server exited ${code}`)));
    child.stdout?.once('data', (d: Buffer) => resolve(/listening on (\S+)/.exec(d.toString())?.[1] as string));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
