import { expect } from 'chai';
import { FreshCallSharing } from '../../src/outbound/fresh-call-sharing.js';

/** A call whose answers the test releases one by one, in the order the calls were sent. */
function scriptedCalls() {
  const pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  let sent = 0;
  return {
    call: (): Promise<string> => {
      sent += 1;
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
    get sent() {
      return sent;
    },
    answer: async (value: string | Error): Promise<void> => {
      // Let the sharing start the calls it has to (a call is sent one microtask after it is asked for).
      await new Promise((r) => setImmediate(r));
      const next = pending.shift();
      if (!next) throw new Error('no call is waiting for an answer');
      if (value instanceof Error) next.reject(value);
      else next.resolve(value);
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('FreshCallSharing (concurrent identical questions share calls, never an older answer)', () => {
  it('a caller arriving while a call is in flight gets the next call\'s answer, not the one in flight', async () => {
    const sharing = new FreshCallSharing<string>();
    const calls = scriptedCalls();
    const first = sharing.run('k', calls.call);
    await new Promise((r) => setImmediate(r));
    // Asked after the first call went out: that call's answer may predate these questions.
    const second = sharing.run('k', calls.call);
    const third = sharing.run('k', calls.call);
    await calls.answer('before the revocation');
    expect(await first).to.equal('before the revocation');
    expect(calls.sent, 'one follow-up call for both late callers').to.equal(2);
    await calls.answer('after the revocation');
    expect(await second).to.equal('after the revocation');
    expect(await third).to.equal('after the revocation');
    expect(calls.sent).to.equal(2);
    expect(sharing.inFlight, 'nothing left behind').to.equal(0);
  });

  it('callers of one key cost at most two calls in flight, however many they are', async () => {
    const sharing = new FreshCallSharing<string>();
    const calls = scriptedCalls();
    const answers = [sharing.run('k', calls.call)];
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50; i++) answers.push(sharing.run('k', calls.call));
    await calls.answer('a');
    // Callers arriving during the follow-up wait for a third call, not the follow-up.
    for (let i = 0; i < 50; i++) answers.push(sharing.run('k', calls.call));
    await calls.answer('b');
    await calls.answer('c');
    const got = await Promise.all(answers);
    expect(calls.sent).to.equal(3);
    expect(got.filter((v) => v === 'a')).to.have.length(1);
    expect(got.filter((v) => v === 'b')).to.have.length(50);
    expect(got.filter((v) => v === 'c')).to.have.length(50);
    expect(sharing.inFlight).to.equal(0);
  });

  it('with room for several calls, callers start their own until that many are in flight, then share the next', async () => {
    const sharing = new FreshCallSharing<string>(3);
    const calls = scriptedCalls();
    const answers = [sharing.run('k', calls.call), sharing.run('k', calls.call), sharing.run('k', calls.call)];
    await new Promise((r) => setImmediate(r));
    expect(calls.sent, 'three callers, three calls').to.equal(3);
    // All three slots busy: these wait for the call that starts when one settles, sent after they asked.
    for (let i = 0; i < 20; i++) answers.push(sharing.run('k', calls.call));
    expect(calls.sent).to.equal(3);
    await calls.answer('first');
    expect(calls.sent, 'one call for all twenty').to.equal(4);
    await calls.answer('second');
    await calls.answer('third');
    // A slot is free again (two settled, one shared call in flight): a new caller has a call of its own.
    answers.push(sharing.run('k', calls.call));
    await new Promise((r) => setImmediate(r));
    expect(calls.sent).to.equal(5);
    await calls.answer('shared');
    await calls.answer('own');
    const got = await Promise.all(answers);
    expect(got.slice(0, 3)).to.deep.equal(['first', 'second', 'third']);
    expect(got.slice(3, 23)).to.deep.equal(Array(20).fill('shared'));
    expect(got[23]).to.equal('own');
    expect(sharing.inFlight, 'nothing left behind').to.equal(0);
  });

  it('refuses a room for calls that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new FreshCallSharing<string>(bad), String(bad)).to.throw(RangeError);
  });

  it('different keys never share a call', async () => {
    const sharing = new FreshCallSharing<string>();
    let sent = 0;
    const answers = await Promise.all(['x', 'y', 'z'].map((key) => sharing.run(key, async () => `${key}${++sent}`)));
    expect(answers.map((a) => a[0])).to.deep.equal(['x', 'y', 'z']);
    expect(sent).to.equal(3);
  });

  it('a failure reaches the callers of that call only; the waiting ones get their own call', async () => {
    const sharing = new FreshCallSharing<string>();
    const calls = scriptedCalls();
    const first = sharing.run('k', calls.call);
    await new Promise((r) => setImmediate(r));
    const second = sharing.run('k', calls.call);
    await calls.answer(new Error('the Index did not answer in time'));
    let failure: unknown;
    await first.catch((err: unknown) => (failure = err));
    expect((failure as Error).message).to.equal('the Index did not answer in time');
    await calls.answer('answered');
    expect(await second).to.equal('answered');
    expect(sharing.inFlight).to.equal(0);
  });

  it('a call that throws before returning a promise is a rejection, and the key is freed', async () => {
    const sharing = new FreshCallSharing<string>();
    let failure: unknown;
    await sharing.run('k', () => {
      throw new Error('bad');
    }).catch((err: unknown) => (failure = err));
    expect((failure as Error).message).to.equal('bad');
    expect(sharing.inFlight).to.equal(0);
    expect(await sharing.run('k', async () => 'fine')).to.equal('fine');
  });
});
