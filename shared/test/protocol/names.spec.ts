import { expect } from 'chai';
import {
  formatRepoName, isImageId, isRegistryImageId, isValidTag, parseImageReference, parseRegistryRepoPath, parseRepoName, quotePlus,
} from '../../src/index.js';

describe('names', () => {
  describe('parseRepoName', () => {
    it('maps a one-part name to library/ (§1.3)', () => {
      const r = parseRepoName('ubuntu');
      expect(r.ok && formatRepoName(r.value)).to.equal('library/ubuntu');
    });
    it('keeps namespace/repository', () => {
      const r = parseRepoName('alice/web-app.v2');
      expect(r).to.deep.equal({ ok: true, value: { namespace: 'alice', repository: 'web-app.v2' } });
    });
    it('accepts every namespace some Docker 1.x client sent: 1.5–1.7 (underscores) and ≥1.8 (one character, dots)', () => {
      for (const name of ['x/app', 'my.org/app', 'a_b/app', '_ab/app', 'a-b-c/app']) expect(parseRepoName(name).ok, name).to.equal(true);
    });
    for (const bad of ['', 'a/b/c', 'Alice/app', 'alice/App', '-alice/app', 'alice-/app', 'al--ice/app', 'a/', '/app', '.x/app', 'x./app', '_/app', 'alice/app!', 'alice/..', 'alice/.', `${'a'.repeat(256)}/x`]) {
      it(`refuses ${JSON.stringify(bad)} with a message`, () => {
        const r = parseRepoName(bad);
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(r.error).to.match(/^Invalid (namespace|repository) name/);
      });
    }
    it('refuses a one-part 64-hex name (it would look like an image id)', () => {
      expect(parseRepoName('a'.repeat(64)).ok).to.equal(false);
      expect(parseRepoName(`alice/${'a'.repeat(64)}`).ok).to.equal(true);
    });
  });

  describe('quotePlus (Python 2 urllib.quote_plus, no safe characters)', () => {
    it('keeps [A-Za-z0-9_.-], turns space into +, escapes everything else as upper-case %XX of the UTF-8 bytes', () => {
      expect(quotePlus('Az09_.-')).to.equal('Az09_.-');
      expect(quotePlus('a b')).to.equal('a+b');
      expect(quotePlus('b/c')).to.equal('b%2Fc');
      expect(quotePlus('x%$~+')).to.equal('x%25%24%7E%2B');
      expect(quotePlus('é')).to.equal('%C3%A9');
    });
  });

  describe('parseRegistryRepoPath (docker-registry parse_repository_name, §8)', () => {
    const name = (path: string) => {
      const r = parseRegistryRepoPath(path);
      return r.ok ? r.value : r.error;
    };
    it('maps one segment to library/, keeps ns/repo', () => {
      expect(name('foo')).to.deep.equal({ namespace: 'library', repository: 'foo' });
      expect(name('bob/foo')).to.deep.equal({ namespace: 'bob', repository: 'foo' });
      expect(name('bob/foo/')).to.deep.equal({ namespace: 'bob', repository: 'foo' });
    });
    it('applies no name rules: the rest after the namespace is quote_plus-ed (test_tags.test_special_chars)', () => {
      expect(name('foo/abcde%$_-test')).to.deep.equal({ namespace: 'foo', repository: 'abcde%25%24_-test' });
      expect(name('Foo/App')).to.deep.equal({ namespace: 'Foo', repository: 'App' });
    });
    it('reads a three-part name as namespace a, repository b%2Fc', () => {
      expect(name('a/b/c')).to.deep.equal({ namespace: 'a', repository: 'b%2Fc' });
    });
    it('refuses an empty namespace or repository with a message', () => {
      for (const bad of ['', '/', '/x', '//x']) expect(name(bad), bad).to.match(/^Invalid repository name .*must not be empty$/);
    });
  });

  describe('image ids and tags', () => {
    it('accepts 64 lowercase hex ids only for the client rule', () => {
      expect(isImageId('a'.repeat(64))).to.equal(true);
      expect(isImageId('A'.repeat(64))).to.equal(false);
      expect(isImageId('a'.repeat(16))).to.equal(false);
      expect(isImageId('a'.repeat(65))).to.equal(false);
    });
    it('accepts 16 or 64 hex for the registry rule (§8)', () => {
      expect(isRegistryImageId('0123456789abcdef')).to.equal(true);
      expect(isRegistryImageId('a'.repeat(64))).to.equal(true);
      expect(isRegistryImageId('a'.repeat(32))).to.equal(false);
      expect(isRegistryImageId('../etc')).to.equal(false);
    });
    it('applies ^[\\w][\\w.-]{0,127}$ to tags', () => {
      expect(isValidTag('latest')).to.equal(true);
      expect(isValidTag('v1.0-rc_2')).to.equal(true);
      expect(isValidTag('_x')).to.equal(true);
      expect(isValidTag('a'.repeat(128))).to.equal(true);
      expect(isValidTag('a'.repeat(129))).to.equal(false);
      expect(isValidTag('.x')).to.equal(false);
      expect(isValidTag('-x')).to.equal(false);
      expect(isValidTag('')).to.equal(false);
      expect(isValidTag('é')).to.equal(false);
    });
  });

  describe('parseImageReference (Docker 1.x split, §1.1)', () => {
    const cases: [string, string | null, string, string, boolean][] = [
      ['ubuntu', null, 'library/ubuntu', 'latest', false],
      ['ubuntu:14.04', null, 'library/ubuntu', '14.04', true],
      ['alice/app', null, 'alice/app', 'latest', false],
      ['localhost/app', 'localhost', 'library/app', 'latest', false],
      ['localhost:5000/alice/app:v2', 'localhost:5000', 'alice/app', 'v2', true],
      ['index.example.com/alice/app', 'index.example.com', 'alice/app', 'latest', false],
      ['127.0.0.1:5000/app', '127.0.0.1:5000', 'library/app', 'latest', false],
      ['[::1]:5000/alice/app:1', '[::1]:5000', 'alice/app', '1', true],
    ];
    for (const [input, server, name, tag, tagGiven] of cases) {
      it(`splits ${input}`, () => {
        const r = parseImageReference(input);
        expect(r.ok, JSON.stringify(r)).to.equal(true);
        if (!r.ok) return;
        expect(r.value.server).to.equal(server);
        expect(formatRepoName(r.value.name)).to.equal(name);
        expect(r.value.tag).to.equal(tag);
        expect(r.value.tagGiven).to.equal(tagGiven);
      });
    }
    it('treats a first part without . or : as a namespace', () => {
      const r = parseImageReference('myhost/app');
      expect(r.ok && r.value.server).to.equal(null);
    });
    it('refuses bad tags and digests with a message', () => {
      expect(parseImageReference('app:-x').ok).to.equal(false);
      expect(parseImageReference('app@sha256:abc').ok).to.equal(false);
      expect(parseImageReference('').ok).to.equal(false);
    });
  });
});
