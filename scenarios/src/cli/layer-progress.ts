/**
 * Progress bars of the client commands: one per layer transfer (image × registry), drawn with cli-progress
 * on a terminal stream. The shim's byte progress (onLayerProgress) moves a bar while its layer streams; the
 * layer's exchange closes it with the bytes moved, or marks it failed.
 */
import cliProgress from 'cli-progress';
import type { Exchange, LayerProgressEvent } from '@v1hub/shared/client';

/** What cli-progress needs of a terminal stream. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class LayerProgress {
  private readonly bars: cliProgress.MultiBar;
  private readonly transfers = new Map<string, cliProgress.SingleBar>();
  /** Transfers whose exchange succeeded: the reader's last byte events may arrive after it. */
  private readonly finished = new Set<string>();
  private firstEndpoint: string | null = null;

  constructor(stream: ProgressStream) {
    this.bars = new cliProgress.MultiBar(
      { stream: stream as NodeJS.WritableStream, clearOnComplete: false, hideCursor: true, barsize: 25, format: ' {name} |{bar}| {state}' },
      cliProgress.Presets.shades_grey,
    );
  }

  layer(event: LayerProgressEvent): void {
    const key = transferKey(event.endpoint, event.imageId);
    if (this.finished.has(key)) return;
    const bar = this.bar(event.endpoint, event.imageId, event.total);
    const verb = event.direction === 'push' ? 'pushing' : 'pulling';
    // The total is set when the bar is made; it only changes when unknown (then it grows with the bytes).
    const total = Math.max(1, event.total ?? Math.max(bar.getTotal(), event.bytes));
    if (total !== bar.getTotal()) bar.setTotal(total);
    bar.update(event.bytes, { state: `${verb} ${formatBytes(event.bytes)}${event.total === null ? '' : ` / ${formatBytes(event.total)}`}` });
  }

  exchange(x: Exchange): void {
    if (x.route !== 'putImageLayer' && x.route !== 'getImageLayer') return;
    const url = new URL(x.url);
    const id = /\/v1\/images\/([^/]+)\/layer$/.exec(url.pathname)?.[1];
    if (!id) return;
    const bar = this.bar(url.host, id, null);
    if (x.status >= 200 && x.status < 300) {
      this.finished.add(transferKey(url.host, id));
      const bytes = (x.method === 'PUT' ? x.requestBytes : x.responseBytes) ?? 0;
      bar.update(bar.getTotal(), { state: `${formatBytes(bytes)} ${x.method === 'PUT' ? 'pushed' : 'pulled'}` });
    } else {
      bar.update({ state: `failed (${x.status || x.error})` });
    }
  }

  stop(): void {
    this.bars.stop();
  }

  /** Named by the short id, as Docker 1.x showed it; the registry is added when a transfer goes to another one. */
  private bar(endpoint: string, imageId: string, total: number | null): cliProgress.SingleBar {
    const key = transferKey(endpoint, imageId);
    let bar = this.transfers.get(key);
    if (!bar) {
      this.firstEndpoint ??= endpoint;
      const name = `${imageId.slice(0, 12)}${endpoint === this.firstEndpoint ? '' : ` → ${endpoint}`}`;
      bar = this.bars.create(Math.max(1, total ?? 1), 0, { name, state: 'waiting' });
      this.transfers.set(key, bar);
    }
    return bar;
  }
}

function transferKey(endpoint: string, imageId: string): string {
  return `${endpoint} ${imageId}`;
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}
