/**
 * A byte-level TCP proxy in front of a registry: it records the request heads that pass, can cut one
 * response after a number of bytes (a connection dying mid-layer), and can go down (connection refused).
 */
import net from 'node:net';

export interface SeenRequest {
  readonly line: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TcpProxy {
  readonly port: number;
  /** Request heads seen, in order. */
  readonly requests: readonly SeenRequest[];
  /**
   * Arms a cut: the next request whose request line matches `pattern` gets `afterBytes` bytes of its
   * response (head included), then the connection closes. Resolves the body bytes that got through.
   */
  cutResponse(pattern: RegExp, afterBytes: number): Promise<number>;
  /** Arms a corruption: the next response to a matching request has body byte `bodyByte` inverted. */
  corruptResponse(pattern: RegExp, bodyByte: number): void;
  /** Stops listening and cuts every connection: the port then refuses connections. */
  down(): Promise<void>;
  close(): Promise<void>;
}

interface Cut {
  readonly pattern: RegExp;
  readonly afterBytes: number;
  readonly resolve: (bodyBytes: number) => void;
}

interface Corruption {
  readonly pattern: RegExp;
  readonly bodyByte: number;
}

export async function startTcpProxy(port: number, targetPort: number): Promise<TcpProxy> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  let pendingCut: Cut | null = null;
  let pendingCorruption: Corruption | null = null;

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let armed: { cut: Cut; forwarded: number; head: Buffer; headLength: number | null } | null = null;
    let corrupting: { corruption: Corruption; seen: number; headLength: number | null; head: string } | null = null;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.end();
    });
    client.on('data', (data: Buffer) => {
      for (const request of parseHeads(data)) {
        requests.push(request);
        if (pendingCut && pendingCut.pattern.test(request.line)) {
          armed = { cut: pendingCut, forwarded: 0, head: Buffer.alloc(0), headLength: null };
          pendingCut = null;
        }
        if (pendingCorruption && pendingCorruption.pattern.test(request.line)) {
          corrupting = { corruption: pendingCorruption, seen: 0, headLength: null, head: '' };
          pendingCorruption = null;
        }
      }
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (corrupting) {
        const start = corrupting.seen;
        corrupting.seen += data.length;
        if (corrupting.headLength === null) {
          corrupting.head += data.toString('latin1');
          const end = corrupting.head.indexOf('\r\n\r\n');
          if (end >= 0) corrupting.headLength = end + 4;
        }
        if (corrupting.headLength !== null) {
          const at = corrupting.headLength + corrupting.corruption.bodyByte - start;
          if (at >= 0 && at < data.length) {
            data = Buffer.from(data);
            data[at] = (data[at] as number) ^ 0xff;
            corrupting = null;
          }
        }
      }
      if (!armed) {
        client.write(data);
        return;
      }
      const room = armed.cut.afterBytes - armed.forwarded;
      const part = data.subarray(0, Math.max(0, room));
      armed.forwarded += part.length;
      if (armed.headLength === null) {
        armed.head = Buffer.concat([armed.head, part]);
        const end = armed.head.indexOf('\r\n\r\n');
        if (end >= 0) armed.headLength = end + 4;
      }
      if (part.length < data.length || armed.forwarded >= armed.cut.afterBytes) {
        const bodyBytes = armed.forwarded - (armed.headLength ?? armed.forwarded);
        armed.cut.resolve(bodyBytes);
        armed = null;
        // end() flushes what was forwarded, then closes: the client sees a body cut short.
        client.end(part);
        upstream.destroy();
        return;
      }
      client.write(part);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  let stopped = false;
  const down = async () => {
    if (stopped) return;
    stopped = true;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    requests,
    cutResponse(pattern, afterBytes) {
      return new Promise((resolve) => {
        pendingCut = { pattern, afterBytes, resolve };
      });
    },
    corruptResponse(pattern, bodyByte) {
      pendingCorruption = { pattern, bodyByte };
    },
    down,
    close: down,
  };
}

const REQUEST_LINE = /(?:^|\r\n)((?:GET|PUT|POST|DELETE|PATCH|HEAD) \S+ HTTP\/1\.1)\r\n/g;

/** Request heads found in a chunk of client bytes (heads are small; they never straddle chunks here). */
function parseHeads(data: Buffer): SeenRequest[] {
  const text = data.toString('latin1');
  const out: SeenRequest[] = [];
  for (const match of text.matchAll(REQUEST_LINE)) {
    const start = (match.index ?? 0) + match[0].indexOf(match[1] as string);
    const end = text.indexOf('\r\n\r\n', start);
    const lines = text.slice(start, end < 0 ? undefined : end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    out.push({ line: lines[0] as string, headers });
  }
  return out;
}
