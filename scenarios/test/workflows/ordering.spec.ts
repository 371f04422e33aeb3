import { expect } from 'chai';
import { runScenario } from '../../src/runner.js';
import type { Participant, RecordedExchange, Transcript } from '../../src/transcript.js';
import { failed } from '../../src/transcript.js';
import { requestsWithoutOwnValidation, validationsDuring } from '../../src/workflows/common.js';
import { deleteScenario } from '../../src/workflows/delete.js';
import { pullScenario } from '../../src/workflows/pull.js';
import { pushScenario } from '../../src/workflows/push.js';

let nextSeq = 0;
/** A hand-made exchange: counter stamps `opened`…`closed`, and millisecond timings that may say otherwise. */
function exchange(from: Participant, to: Participant, opened: number, closed: number, ms: { startMs: number; endMs: number }): RecordedExchange {
  return { seq: ++nextSeq, from, to, method: 'GET', path: `/x/${nextSeq}`, status: 200, opened, closed, ...ms, requestHeaders: {}, responseHeaders: {}, ...(from === 'client' ? {} : { verdict: 'true' as const }) };
}

function failures(t: Transcript): string {
  return t.steps.flatMap((s) => [...(s.error ? [`${s.number}: ${s.error}`] : []), ...s.expectations.filter(failed).map((e) => `${s.number}: ${e.description}${e.detail ? ` (${e.detail})` : ''}`)]).join('\n');
}

describe('scenario checks order exchanges on the event counter, never on clock readings', function () {
  this.timeout(60_000);

  it('a validation belongs to the request it completed inside, whatever the millisecond timings say', () => {
    // The clocks claim the validation started 5 ms before the request (what a busy machine can make them say).
    const request = exchange('client', 'registry', 10, 13, { startMs: 100, endMs: 110 });
    const validation = exchange('registry', 'index', 11, 12, { startMs: 95, endMs: 105 });
    expect(validationsDuring([request, validation], request)).to.deep.equal([validation]);
    expect(requestsWithoutOwnValidation([request, validation], [request])).to.deep.equal([]);
    // …and the clocks claim this one nested, but it completed after the answer did: it is not the request's.
    const late = exchange('registry', 'index', 14, 15, { startMs: 101, endMs: 109 });
    expect(validationsDuring([request, late], request)).to.deep.equal([]);
    expect(requestsWithoutOwnValidation([request, late], [request])).to.deep.equal([request]);
  });

  it('two requests in flight at once cannot share one validation call', () => {
    const first = exchange('client', 'registry', 1, 6, { startMs: 0, endMs: 10 });
    const second = exchange('client', 'registry', 2, 7, { startMs: 1, endMs: 11 });
    const only = exchange('registry', 'index', 3, 4, { startMs: 2, endMs: 3 });
    expect(validationsDuring([first, second, only], first)).to.have.length(1);
    expect(validationsDuring([first, second, only], second)).to.have.length(1);
    expect(requestsWithoutOwnValidation([first, second, only], [first, second])).to.have.length(1);
    const another = exchange('registry', 'index', 5, 5.5, { startMs: 4, endMs: 5 });
    expect(requestsWithoutOwnValidation([first, second, only, another], [first, second])).to.deep.equal([]);
  });

  describe('with a clock that jitters by ±25 ms (a noisy shared machine, exaggerated)', () => {
    const real = performance.now.bind(performance);
    before(() => {
      Object.defineProperty(performance, 'now', { configurable: true, writable: true, value: () => real() + (Math.random() - 0.5) * 50 });
    });
    after(() => {
      delete (performance as { now?: unknown }).now;
    });

    for (const scenario of [pullScenario, pushScenario, deleteScenario]) {
      it(`${scenario.workflow}. ${scenario.id}: every expectation still holds`, async () => {
        for (let run = 0; run < 3; run++) {
          const t = await runScenario(scenario, { backends: { metadata: 'memory', storage: 'memory' } });
          expect(t.ok, failures(t)).to.equal(true);
        }
      });
    }
  });
});
