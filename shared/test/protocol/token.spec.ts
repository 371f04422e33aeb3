import { expect } from 'chai';
import { formatBasic, formatToken, formatTokenAuthorization, maskTokenValue, parseAuthorization, parseTokenList } from '../../src/index.js';

describe('token', () => {
  const value = formatToken({ signature: 'abcdef0123456789', repository: 'alice/app', access: 'write' });

  it('formats the Hub-style X-Docker-Token value (§5.1)', () => {
    expect(value).to.equal('signature=abcdef0123456789,repository="alice/app",access=write');
  });

  it('parses what it formats', () => {
    const r = parseAuthorization(`Token ${value}`);
    expect(r).to.deep.equal({ ok: true, value: { scheme: 'token', raw: `Token ${value}`, tokens: [{ signature: 'abcdef0123456789', repository: 'alice/app', access: 'write' }] } });
  });

  it('accepts ":" as well as "=", any case of the scheme word, and no quotes', () => {
    const r = parseAuthorization('TOKEN signature:xyz,repository:alice/app,access:read');
    expect(r.ok && r.value.scheme === 'token' && r.value.tokens[0]).to.deep.equal({ signature: 'xyz', repository: 'alice/app', access: 'read' });
  });

  it('tolerates the double Token prefix of the fake index (§10 Q7)', () => {
    const r = parseAuthorization(`Token Token ${value}`);
    expect(r.ok && r.value.scheme === 'token' && r.value.tokens[0]?.signature).to.equal('abcdef0123456789');
  });

  it('splits several joined tokens (Docker 1.x joins every X-Docker-Token value)', () => {
    const second = formatToken({ signature: 'zzz', repository: 'alice/other', access: 'read' });
    const r = parseAuthorization(formatTokenAuthorization([value, second]));
    expect(r.ok && r.value.scheme === 'token' && r.value.tokens.map((t) => t.repository)).to.deep.equal(['alice/app', 'alice/other']);
  });

  it('keeps repository and access null when absent', () => {
    expect(parseTokenList('signature=abc')).to.deep.equal({ ok: true, value: [{ signature: 'abc', repository: null, access: null }] });
  });

  it('parses Basic credentials, passwords with colons included', () => {
    expect(parseAuthorization(formatBasic('alice', 'pa:ss'))).to.deep.equal({ ok: true, value: { scheme: 'basic', username: 'alice', password: 'pa:ss' } });
    // Docker 1.5 sends empty credentials as `Basic Og==` (§10 Q20).
    expect(parseAuthorization('Basic Og==')).to.deep.equal({ ok: true, value: { scheme: 'basic', username: '', password: '' } });
  });

  for (const bad of [undefined, '', '   ', 'Token', 'Token ', 'Token repository="a/b",access=read', 'Bearer abc', 'Basic !!!', 'Basic YWxpY2U=', 'signature=abc']) {
    it(`returns an error result, never throws, for ${JSON.stringify(bad)}`, () => {
      const r = parseAuthorization(bad);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.be.a('string').and.not.equal('');
    });
  }

  it('masks signatures but keeps repository and access readable', () => {
    expect(maskTokenValue(`Token ${value}`)).to.equal('Token signature=abcdef…,repository="alice/app",access=write');
  });
});
