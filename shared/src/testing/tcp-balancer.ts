// A round-robin TCP balancer for tests: each new connection goes to the next backend in turn, as a plain L4
// load balancer in front of several Index or Registry processes would send it. A backend that refuses the
// connection is skipped for that connection (a passive health check), so one dead instance does not fail
// every other request.
import net from 'node:net';

export interface TcpBalancer {
  readonly port: number;
  /** `host:port` of the balancer, for --endpoints. */
  readonly address: string;
  /** How many connections each backend got, in the order given. */
  readonly connections: readonly number[];
  close(): Promise<void>;
}

export async function startTcpBalancer(backendPorts: readonly number[]): Promise<TcpBalancer> {
  if (backendPorts.length === 0) throw new Error('a balancer needs at least one backend');
  const connections = backendPorts.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
    const first = next;
    next = (next + 1) % backendPorts.length;
    const attempt = (tries: number) => {
      const which = (first + tries) % backendPorts.length;
      const upstream = net.connect(backendPorts[which] as number, '127.0.0.1');
      sockets.add(upstream);
      upstream.once('error', () => {
        sockets.delete(upstream);
        if (tries + 1 < backendPorts.length && !client.destroyed) attempt(tries + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        connections[which] = (connections[which] ?? 0) + 1;
        const closeBoth = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(upstream);
        };
        upstream.removeAllListeners('error');
        upstream.on('error', closeBoth).on('close', closeBoth);
        client.on('close', closeBoth);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
