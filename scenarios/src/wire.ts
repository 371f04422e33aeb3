/**
 * The client side of a scenario: v1 client shim instances whose every exchange lands in the recorder, plus
 * the per-route APIs for the branches a Docker client never takes on its own (a tampered token, say).
 */
import { IndexApi, RegistryApi, Transport, createV1Client, type BasicCredentials, type Exchange, type V1Client } from '@v1hub/shared/client';
import type { Recorder } from './recorder.js';
import type { Stack } from './stack.js';
import type { Participant } from './transcript.js';

/** Which participant a URL belongs to, by host:port. */
export function participantFor(stack: Stack, url: string, fallback: Exchange['service']): Participant {
  const host = new URL(url).host;
  const services = [stack.index, stack.otherIndex, stack.foreignRegistry, ...stack.registries].filter((s) => s !== null);
  return services.find((s) => s.server === host)?.name ?? fallback;
}

export function exchangeRecorder(stack: Stack, recorder: Recorder) {
  return (x: Exchange): void =>
    recorder.record({
      from: 'client',
      to: participantFor(stack, x.url, x.service),
      method: x.method,
      url: x.url,
      status: x.status,
      ms: x.ms,
      requestHeaders: x.requestHeaders,
      responseHeaders: x.responseHeaders,
      ...(x.error ? { summary: x.error } : x.responseBytes !== undefined && x.responseBytes > 200 ? { summary: `${x.responseBytes} bytes` } : {}),
    });
}

export interface ScenarioClients {
  /** A Docker-1.x-like client of the scenario's Index (or of the standalone registry acting as one). */
  client(credentials?: BasicCredentials | null, indexUrl?: string): V1Client;
  /** Per-route access for hand-made requests, recorded like the rest. */
  readonly index: (baseUrl?: string) => IndexApi;
  readonly registry: RegistryApi;
  close(): void;
}

export function scenarioClients(stack: Stack, recorder: Recorder): ScenarioClients {
  const onExchange = exchangeRecorder(stack, recorder);
  const clients: V1Client[] = [];
  // No retries: a scenario shows each exchange once, and failover is the client's own decision.
  const transport = new Transport({ onExchange, retry: { retries: 0 } });
  const defaultIndex = (stack.index ?? stack.registries[0])?.url as string;
  return {
    client(credentials = null, indexUrl = defaultIndex) {
      const client = createV1Client({ indexUrl, credentials, onExchange, retry: { retries: 0 }, concurrency: 1 });
      clients.push(client);
      return client;
    },
    index: (baseUrl = defaultIndex) => new IndexApi(transport, baseUrl),
    registry: new RegistryApi(transport),
    close() {
      for (const client of clients) client.close();
      transport.close();
    },
  };
}
