import { expect } from 'chai';
import { hashTag, RedisKeys } from '../../src/store/redis/keys.js';

describe('RedisKeys', function () {
  const keys = new RedisKeys();

  it('spells the documented layout with the default prefix', function () {
    const repo = keys.repository('alice/app');
    expect([repo.meta, repo.images, repo.stars, repo.tokens, repo.token('abc')]).to.deep.equal([
      'v1hub:{repo:alice/app}:meta',
      'v1hub:{repo:alice/app}:images',
      'v1hub:{repo:alice/app}:stars',
      'v1hub:{repo:alice/app}:tokens',
      'v1hub:{repo:alice/app}:token:abc',
    ]);
    expect(keys.user('alice')).to.equal('v1hub:{ns:alice}:user');
    expect(keys.email('Alice@Example.com')).to.equal('v1hub:{email:alice@example.com}');
    expect(keys.repositories()).to.equal('v1hub:{repos}');
    expect(keys.audit()).to.equal('v1hub:{audit}');
  });

  it('puts every key of one repository in one slot, and different repositories apart', function () {
    const repo = keys.repository('alice/app');
    const tags = new Set([repo.meta, repo.images, repo.stars, repo.tokens, repo.token('abc')].map(hashTag));
    expect([...tags]).to.deep.equal(['repo:alice/app']);
    expect(hashTag(keys.repository('alice/web').meta)).to.not.equal('repo:alice/app');
  });

  it('puts a user and an organisation of the same name in one slot', function () {
    const tags = new Set([keys.user('acme'), keys.organization('acme'), keys.members('acme')].map(hashTag));
    expect([...tags]).to.deep.equal(['ns:acme']);
  });

  it('uses the configured prefix and refuses one that would become the hash tag', function () {
    expect(new RedisKeys('test:1:').user('alice')).to.equal('test:1:{ns:alice}:user');
    expect(() => new RedisKeys('v1hub:{x}:')).to.throw(RangeError);
  });

  it('hashes the whole key when there is no non-empty tag', function () {
    expect(hashTag('plain')).to.equal('plain');
    expect(hashTag('a{}b')).to.equal('a{}b');
    expect(hashTag('a{x')).to.equal('a{x');
  });
});
