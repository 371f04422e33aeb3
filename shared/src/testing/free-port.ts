// Finds a free TCP port on the loopback interface for servers that cannot bind port 0 themselves
// (redis-server treats `--port 0` as "no TCP listener").
import { createServer } from 'node:net';

/** The port Redis users expect to own; a test server must never take it. */
const RESERVED_PORTS = new Set([6379]);

/**
 * Resolves with a TCP port on 127.0.0.1 that was free a moment ago.
 * The port is released before resolving, so another process may take it first: callers that
 * spawn a server should retry with a new port if binding fails.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await ephemeralPort();
    if (!RESERVED_PORTS.has(port)) return port;
  }
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: the server did not report a TCP address'));
      });
    });
  });
}
