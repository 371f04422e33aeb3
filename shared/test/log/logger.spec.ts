import { expect } from 'chai';
import { createLogger, formatBasic, redact } from '../../src/index.js';

describe('logger', () => {
  const capture = (level: 'debug' | 'info' = 'info') => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', level, write: (l) => lines.push(l), clock: () => new Date(0) });
    return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('writes one JSON line per call with time, level, message and bindings', () => {
    const { log, parsed } = capture();
    log.child({ service: 'index' }).info('hello', { n: 1 });
    expect(parsed()).to.deep.equal([{ time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'hello', service: 'index', n: 1 }]);
  });

  it('drops lines under the level', () => {
    const { log, lines } = capture('info');
    log.debug('quiet');
    expect(lines).to.have.length(0);
  });

  it('never writes passwords, Authorization headers or token signatures', () => {
    const { log, lines } = capture();
    const token = 'signature=0123456789abcdef0123,repository="alice/app",access=write';
    log.info('exchange', {
      password: 'hunter2',
      headers: { Authorization: formatBasic('alice', 'hunter2'), 'X-Docker-Token': token, 'WWW-Authenticate': `Token ${token}` },
      nested: [{ authorization: `Token ${token}` }],
      signature: '0123456789abcdef0123',
    });
    const text = lines.join('\n');
    expect(text).not.to.include('hunter2');
    expect(text).not.to.include(Buffer.from('alice:hunter2').toString('base64'));
    expect(text).not.to.include('0123456789abcdef0123');
    expect(text).to.include('repository=\\"alice/app\\"');
  });

  it('redacts safely through cycles and errors', () => {
    const a: Record<string, unknown> = { password: 'x' };
    a.self = a;
    expect(redact(a)).to.deep.equal({ password: '[redacted]', self: '[circular]' });
    const e = redact(new Error('boom')) as { message: string };
    expect(e.message).to.equal('boom');
  });

  it('has a readable pretty format', () => {
    const lines: string[] = [];
    createLogger({ format: 'pretty', write: (l) => lines.push(l) }).warn('careful', { status: 400 });
    expect(lines[0]).to.include('careful').and.include('status=400');
  });

  it('leaves out fields without a value instead of printing key=undefined (pretty and JSON)', () => {
    for (const format of ['pretty', 'json'] as const) {
      const lines: string[] = [];
      createLogger({ format, write: (l) => lines.push(l) }).info('token validation', { result: 'true', reason: undefined, route: undefined, bytesIn: 5 });
      expect(lines[0], format).not.to.include('undefined');
      expect(lines[0], format).to.include('bytesIn');
    }
  });

  it('draws no colour with color: false (NO_COLOR)', () => {
    const lines: string[] = [];
    createLogger({ format: 'pretty', color: false, write: (l) => lines.push(l) }).warn('careful', { status: 400 });
    expect(lines[0]).not.to.include('\x1b[');
    expect(lines[0]).to.include('warn').and.include('status=400');
  });
});
