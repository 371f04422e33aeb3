import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { LayerInflater, type TarConsumer } from '../../src/checksum/layer-inflater.js';

/** A consumer that counts bytes and can declare itself finished after `limit` bytes. */
class CountingConsumer implements TarConsumer {
  received = 0;
  ended = false;
  abortReason: string | null = null;
  constructor(private readonly limit = Infinity) {}
  get finished(): boolean {
    return this.received >= this.limit || this.abortReason !== null;
  }
  update(chunk: Uint8Array): void {
    this.received += chunk.length;
  }
  end(): void {
    this.ended = true;
  }
  abort(reason: string): void {
    this.abortReason = reason;
  }
}

describe('checksum: layer inflater', () => {
  const plain = Buffer.alloc(8 << 20, 0x61);
  const gz = gzipSync(plain);

  it('passes non-gzip bytes through synchronously', async () => {
    const consumer = new CountingConsumer();
    const inflater = new LayerInflater(consumer);
    const pending = inflater.write(Buffer.from('hello tar'));
    expect(consumer.received).to.equal(9);
    await pending;
    await inflater.end();
    expect(consumer.ended).to.equal(true);
  });

  it('settles a gzip write only after its inflated output reached the consumer', async () => {
    const consumer = new CountingConsumer();
    const inflater = new LayerInflater(consumer);
    await inflater.write(gz);
    // zlib may keep a little output back until the end, never the bulk of it.
    expect(consumer.received).to.be.greaterThan(plain.length - (64 << 10));
    await inflater.end();
    expect(consumer.received).to.equal(plain.length);
    expect(consumer.abortReason).to.equal(null);
  });

  it('stops inflating once the consumer is finished', async () => {
    const consumer = new CountingConsumer(1 << 20);
    const inflater = new LayerInflater(consumer);
    for (let i = 0; i < gz.length; i += 64) await inflater.write(gz.subarray(i, i + 64));
    await inflater.end();
    expect(consumer.received).to.be.lessThan(2 << 20);
    expect(consumer.ended).to.equal(true);
  });

  it('reports a truncated gzip stream to the consumer', async () => {
    const consumer = new CountingConsumer();
    const inflater = new LayerInflater(consumer);
    await inflater.write(gz.subarray(0, gz.length - 10));
    await inflater.end();
    expect(consumer.abortReason).to.match(/^gzip: /);
  });
});
