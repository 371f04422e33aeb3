import { expect } from 'chai';
import { storagePathProblem } from '../../src/storage/checked-storage.js';
import * as paths from '../../src/storage/paths.js';

const ID = '511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158';

describe('storage paths', function () {
  describe('layout', function () {
    const table: Array<[string, string]> = [
      [paths.imageDir(ID), `images/${ID}`],
      [paths.imageJson(ID), `images/${ID}/json`],
      [paths.imageLayer(ID), `images/${ID}/layer`],
      [paths.imageAncestry(ID), `images/${ID}/ancestry`],
      [paths.imageChecksum(ID), `images/${ID}/_checksum`],
      [paths.imageInProgress(ID), `images/${ID}/_inprogress`],
      [paths.imageFiles(ID), `images/${ID}/_files`],
      [paths.imageDiff(ID), `images/${ID}/_diff`],
      [paths.namespaceDir('library'), 'repositories/library'],
      [paths.repositoryDir('library', 'ubuntu'), 'repositories/library/ubuntu'],
      [paths.tag('library', 'ubuntu', 'latest'), 'repositories/library/ubuntu/tag_latest'],
      [paths.tagJson('library', 'ubuntu', 'latest'), 'repositories/library/ubuntu/taglatest_json'],
      [paths.repositoryJson('library', 'ubuntu'), 'repositories/library/ubuntu/json'],
      [paths.indexImages('library', 'ubuntu'), 'repositories/library/ubuntu/_index_images'],
      [paths.imagesList('library', 'ubuntu'), 'repositories/library/ubuntu/_images_list'],
      [paths.privateFlag('library', 'ubuntu'), 'repositories/library/ubuntu/_private'],
      [paths.imagesRoot, 'images'],
      [paths.repositoriesRoot, 'repositories'],
      [paths.tagPrefix, 'tag_'],
    ];
    for (const [actual, expected] of table) {
      it(`maps to ${expected}`, function () {
        expect(actual).to.equal(expected);
      });
    }
  });

  describe('quoteComponent (legacy check(): "."/".." replaced, then Python 2 quote_plus)', function () {
    const table: Array<[string, string]> = [
      ['..', '%252E%252E'],
      ['.', '%252E'],
      ['...', '...'],
      ['../../x', '..%2F..%2Fx'],
      ['a/b', 'a%2Fb'],
      ['%', '%25'],
      ['%2E', '%252E'],
      ['a b', 'a+b'],
      ['a+b', 'a%2Bb'],
      ['tab\there', 'tab%09here'],
      ['a\u0000b', 'a%00b'],
      ['\\', '%5C'],
      // Python 2 escapes "~" (Python 3.7+ would not); docker-registry ran on Python 2.
      ['~', '%7E'],
      ['héllo', 'h%C3%A9llo'],
      ['日本', '%E6%97%A5%E6%9C%AC'],
      ['😀', '%F0%9F%98%80'],
      ['v1.0_rc-1', 'v1.0_rc-1'],
      ['A-Z_a.z0-9', 'A-Z_a.z0-9'],
    ];
    for (const [input, expected] of table) {
      it(`escapes ${JSON.stringify(input)} as ${expected}`, function () {
        expect(paths.quoteComponent(input)).to.equal(expected);
      });
    }

    it('rejects an empty component', function () {
      expect(() => paths.quoteComponent('')).to.throw(RangeError);
      expect(() => paths.tag('library', 'ubuntu', '')).to.throw(RangeError);
    });

    it('never produces a path that can traverse, whatever the input', function () {
      const nasty = ['..', '.', '/', '//', '../..', 'a/../b', '\\..\\', '\u0000', '\n', ' ', '%2e%2e', '..%2F'];
      for (const value of nasty) {
        for (const path of [paths.imageJson(value), paths.tag(value, value, value), paths.tagJson(value, value, value)]) {
          expect(storagePathProblem(path), `${JSON.stringify(value)} → ${path}`).to.equal(null);
          expect(path.split('/')).to.have.length.within(3, 5);
        }
      }
    });

    it('escapes a traversal attempt into a single segment', function () {
      expect(paths.repositoryDir('..', '..')).to.equal('repositories/%252E%252E/%252E%252E');
      expect(paths.tag('library', 'ubuntu', '../../../etc/passwd')).to.equal('repositories/library/ubuntu/tag_..%2F..%2F..%2Fetc%2Fpasswd');
    });
  });

  describe('tagNameFromEntry', function () {
    const table: Array<[string, string | null]> = [
      ['tag_latest', 'latest'],
      ['tag_v1.0', 'v1.0'],
      ['tag_a%2Fb', 'a/b'],
      ['tag_a+b', 'a b'],
      ['tag_h%C3%A9llo', 'héllo'],
      ['json', null],
      ['_index_images', null],
      ['taglatest_json', null],
      ['tag_', null],
      ['tag_%ZZ', null],
    ];
    for (const [entry, expected] of table) {
      it(`reads ${JSON.stringify(entry)} as ${JSON.stringify(expected)}`, function () {
        expect(paths.tagNameFromEntry(entry)).to.equal(expected);
      });
    }

    it('round-trips tag names through tag()', function () {
      for (const name of ['latest', 'v1.0-rc_2', 'a b', 'x/y', 'héllo', '100%']) {
        const entry = paths.tag('ns', 'repo', name).split('/').pop() ?? '';
        expect(paths.tagNameFromEntry(entry)).to.equal(name);
      }
    });

    it('LEGACY: reads the json of tag "_x" as a tag file named "x_json"', function () {
      const entry = paths.tagJson('ns', 'repo', '_x').split('/').pop() ?? '';
      expect(entry).to.equal('tag_x_json');
      expect(paths.tagNameFromEntry(entry)).to.equal('x_json');
    });
  });
});
