import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import {
  pingRedis,
  REDIS_INSTALL_COMMAND,
  requireRedisServer,
  startRedisServer,
  type RedisServer,
} from '../../src/testing/index.js';

describe('startRedisServer', function () {
  before(function () {
    requireRedisServer(this);
  });

  describe('a running server', function () {
    let server: RedisServer;

    before(async function () {
      server = await startRedisServer();
    });

    after(async function () {
      await server?.stop();
    });

    it('answers PING on a loopback port other than 6379', async function () {
      expect(server.port).to.not.equal(6379);
      expect(server.url).to.equal(`redis://127.0.0.1:${server.port}`);
      expect(await redisCommand(server.port, 'PING')).to.equal('PONG');
    });

    it('runs without persistence by default', async function () {
      expect(await redisCommand(server.port, 'CONFIG', 'GET', 'appendonly')).to.deep.equal(['appendonly', 'no']);
      expect(await redisCommand(server.port, 'CONFIG', 'GET', 'save')).to.deep.equal(['save', '']);
    });

    it('kill() makes it unreachable and restart() brings it back on the same port', async function () {
      const port = server.port;
      await server.kill();
      expect(await pingRedis(port, 200)).to.equal(false);
      await server.restart();
      expect(server.port).to.equal(port);
      expect(await pingRedis(port)).to.equal(true);
    });
  });

  it('stop() removes its temporary directory and frees the port', async function () {
    const server = await startRedisServer();
    expect(existsSync(server.dir)).to.equal(true);
    await server.stop();
    expect(existsSync(server.dir)).to.equal(false);
    expect(await pingRedis(server.port, 200)).to.equal(false);
    await server.stop();
    await expectRejection(server.restart(), /was stopped/);
  });

  it('with persistence, keeps data across kill() and restart()', async function () {
    const server = await startRedisServer({ persistence: true });
    try {
      expect(await redisCommand(server.port, 'SET', 'greeting', 'hello')).to.equal('OK');
      await server.kill();
      await server.restart();
      expect(await redisCommand(server.port, 'GET', 'greeting')).to.equal('hello');
    } finally {
      await server.stop();
    }
  });

  it('without persistence, loses data across kill() and restart()', async function () {
    const server = await startRedisServer();
    try {
      await redisCommand(server.port, 'SET', 'greeting', 'hello');
      await server.kill();
      await server.restart();
      expect(await redisCommand(server.port, 'GET', 'greeting')).to.equal(null);
    } finally {
      await server.stop();
    }
  });
});

describe('pingRedis', function () {
  async function listening(onConnection: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  // Its own timeout is set far past mocha's: only the hang-up can settle it in time.
  it('is false for a peer that hangs up without a word, without waiting for its timeout', async function () {
    const peer = await listening((socket) => socket.destroy());
    try {
      expect(await pingRedis(peer.port, 10 * 60_000)).to.equal(false);
    } finally {
      await peer.close();
    }
  });

  it('is false for a peer that answers something other than PONG', async function () {
    // resume: a server socket nobody reads never sees the client's end, and would keep close() waiting.
    const peer = await listening((socket) => socket.resume().end('-ERR not redis\r\n'));
    try {
      expect(await pingRedis(peer.port)).to.equal(false);
    } finally {
      await peer.close();
    }
  });
});

describe('requireRedisServer', function () {
  const missing = 'v1hub-no-such-redis-server';

  it('returns quietly when the binary is available', function () {
    let skipped = false;
    requireRedisServer({ skip: () => (skipped = true) }, { binary: '/bin/sh', warn: () => expect.fail('no warning expected') });
    expect(skipped).to.equal(false);
  });

  it('skips with a notice naming the install command when the binary is missing', function () {
    let skipped = false;
    const warnings: string[] = [];
    requireRedisServer({ skip: () => (skipped = true) }, { binary: missing, env: {}, warn: (message) => warnings.push(message) });
    expect(skipped).to.equal(true);
    expect(warnings.join('\n')).to.include(REDIS_INSTALL_COMMAND);
  });

  it('fails instead of skipping when CI=true', function () {
    const ctx = { skip: () => expect.fail('must not skip on CI') };
    expect(() => requireRedisServer(ctx, { binary: missing, env: { CI: 'true' } })).to.throw(REDIS_INSTALL_COMMAND);
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(String(err)).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}

type Reply = string | null | Reply[];

/** Sends one command in RESP and resolves with the decoded reply; just enough Redis for these tests. */
function redisCommand(port: number, ...args: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseReply(buffer, 0);
      if (parsed === undefined) return;
      socket.destroy();
      if (parsed.error !== undefined) reject(new Error(parsed.error));
      else resolve(parsed.value);
    });
    const encoded = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
    socket.write(`*${args.length}\r\n${encoded}`);
  });
}

function parseReply(buffer: Buffer, offset: number): { value: Reply; error?: string; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  if (type === '+' || type === ':') return { value: line, end: lineEnd + 2 };
  if (type === '-') return { value: null, error: line, end: lineEnd + 2 };
  const length = Number(line);
  if (type === '$') {
    if (length < 0) return { value: null, end: lineEnd + 2 };
    const end = lineEnd + 2 + length;
    if (buffer.length < end + 2) return undefined;
    return { value: buffer.toString('utf8', lineEnd + 2, end), end: end + 2 };
  }
  if (type === '*') {
    const items: Reply[] = [];
    let next = lineEnd + 2;
    for (let i = 0; i < length; i += 1) {
      const item = parseReply(buffer, next);
      if (item === undefined) return undefined;
      items.push(item.value);
      next = item.end;
    }
    return { value: items, end: next };
  }
  throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}
