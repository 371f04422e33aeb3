// The v1 payload checksum (docs/v1-protocol.md §7.1): "sha256:" + hex(sha256(json ‖ "\n" ‖ layer)),
// json being the exact bytes PUT to /json and layer the exact body of PUT layer (gzip as sent).
// The only checksum registries verify since registry 0.7 / Docker 0.10.

import { createHash, type Hash } from 'node:crypto';

const NEWLINE = Buffer.from('\n');

/** Incremental payload checksum: create with the image JSON, feed the layer, then digest. */
export class PayloadChecksum {
  private readonly hash: Hash;
  private result: string | null = null;

  /** Starts the checksum with the image JSON bytes and the separating newline. */
  constructor(json: Uint8Array) {
    this.hash = createHash('sha256').update(json).update(NEWLINE);
  }

  /** Adds the next layer bytes. */
  update(chunk: Uint8Array): this {
    if (this.result !== null) throw new Error('PayloadChecksum.update() called after digest()');
    this.hash.update(chunk);
    return this;
  }

  /** `sha256:<hex>`. Idempotent; no update is accepted afterwards. */
  digest(): string {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}

/** Creates an incremental payload checksum seeded with the image JSON bytes. */
export function createPayloadChecksum(json: Uint8Array): PayloadChecksum {
  return new PayloadChecksum(json);
}

/** One-shot payload checksum of a JSON document and a whole layer held in memory. */
export function payloadChecksum(json: Uint8Array, layer: Uint8Array): string {
  return new PayloadChecksum(json).update(layer).digest();
}
