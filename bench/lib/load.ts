// A closed-loop load generator: `concurrency` callers on keep-alive connections, each sending the next
// request as soon as the last one answered, for `seconds`. Returns requests per second.
import http from 'node:http';

export async function requestRate(url: string, headers: Record<string, string>, concurrency: number, seconds: number, expectStatus = 200): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const once = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === expectStatus ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  const caller = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await once();
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return done / elapsed;
}
