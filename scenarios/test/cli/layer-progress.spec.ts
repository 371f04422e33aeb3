import { expect } from 'chai';
import type { Exchange } from '@v1hub/shared/client';
import { LayerProgress } from '../../src/cli/layer-progress.js';

/** A terminal as cli-progress sees one; everything drawn is kept. */
function fakeTerminal(): { stream: { isTTY: true; columns: number; write(text: string): boolean }; drawn: () => string } {
  let text = '';
  return {
    stream: {
      isTTY: true,
      columns: 100,
      write(chunk: string) {
        text += chunk;
        return true;
      },
    },
    drawn: () => text,
  };
}

const ID = 'a'.repeat(12) + 'b'.repeat(52);
const layerExchange = (status: number, bytes: number): Exchange => ({
  service: 'registry',
  route: 'putImageLayer',
  method: 'PUT',
  url: `http://127.0.0.1:5001/v1/images/${ID}/layer`,
  requestHeaders: {},
  status,
  responseHeaders: {},
  ms: 1,
  attempt: 1,
  requestBytes: bytes,
});

describe('CLI layer progress bars', () => {
  it('moves a bar with the bytes while the layer streams (the last frame shows how far it got)', () => {
    const { stream, drawn } = fakeTerminal();
    const progress = new LayerProgress(stream);
    progress.layer({ direction: 'push', imageId: ID, endpoint: '127.0.0.1:5001', bytes: 1024, total: 4096 });
    progress.layer({ direction: 'push', imageId: ID, endpoint: '127.0.0.1:5001', bytes: 2048, total: 4096 });
    progress.stop();
    expect(drawn()).to.match(/ aaaaaaaaaaaa \|█{13}░{12}\| pushing 2\.0 KiB \/ 4\.0 KiB/);
  });

  it('closes the bar with the bytes sent once the exchange succeeds; later byte events do not reopen it', () => {
    const { stream, drawn } = fakeTerminal();
    const progress = new LayerProgress(stream);
    progress.layer({ direction: 'push', imageId: ID, endpoint: '127.0.0.1:5001', bytes: 4096, total: 4096 });
    progress.exchange(layerExchange(200, 1500));
    progress.layer({ direction: 'push', imageId: ID, endpoint: '127.0.0.1:5001', bytes: 4096, total: 4096 });
    progress.stop();
    expect(drawn()).to.match(/ aaaaaaaaaaaa \|█{25}\| 1\.5 KiB pushed/);
  });

  it('marks a failed transfer, and names a second registry beside the image id', () => {
    const { stream, drawn } = fakeTerminal();
    const progress = new LayerProgress(stream);
    progress.layer({ direction: 'push', imageId: ID, endpoint: '127.0.0.1:5001', bytes: 10, total: 100 });
    progress.exchange(layerExchange(401, 0));
    progress.layer({ direction: 'push', imageId: ID, endpoint: 'mirror:5002', bytes: 50, total: 100 });
    progress.stop();
    expect(drawn()).to.include('failed (401)').and.match(/aaaaaaaaaaaa → mirror:5002 \|/);
  });
});
