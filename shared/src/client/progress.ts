/**
 * Byte progress of layer transfers, reported while the bytes stream (progress bars, `--verbose`, tests).
 * Exchanges (exchange.ts) only report a layer once it is done; a multi-GiB layer needs more than that.
 */

/** How far one layer transfer has got. Events for one transfer are in order; `bytes` drops to 0 on a restart. */
export interface LayerProgressEvent {
  readonly direction: 'push' | 'pull';
  readonly imageId: string;
  /** `host[:port]` of the registry the layer moves to or from. */
  readonly endpoint: string;
  /** Push: plain tar bytes read from the source so far. Pull: layer bytes received so far. */
  readonly bytes: number;
  /** What `bytes` counts up to (the tar size; the `X-Docker-Size` of the stored layer), when known. */
  readonly total: number | null;
}

/** A receiver of progress. It must not throw; if it does, the error is ignored. */
export type LayerProgressHook = (event: LayerProgressEvent) => void;

/** Calls a hook, shielding the transfer from a broken observer. */
export function emitLayerProgress(hook: LayerProgressHook | undefined, event: LayerProgressEvent): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // NOTE: a progress display must never abort or corrupt a transfer.
  }
}
