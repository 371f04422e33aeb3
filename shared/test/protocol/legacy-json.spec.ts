import { expect } from 'chai';
import { legacyJson } from '../../src/index.js';

describe('legacyJson (Python json.dumps(sort_keys=True))', () => {
  it('sorts keys and uses Python separators', () => {
    expect(legacyJson({ b: 1, a: [true, null, 'x'] })).to.equal('{"a": [true, null, "x"], "b": 1}');
  });
  it('renders the error envelope as docker-registry did', () => {
    expect(legacyJson({ error: 'Image not found' })).to.equal('{"error": "Image not found"}');
  });
  it('escapes non-ASCII and control characters like ensure_ascii', () => {
    expect(legacyJson('é\n\u007f"\\')).to.equal('"\\u00e9\\n\\u007f\\"\\\\"');
  });
  it('writes a bare string for string bodies', () => {
    expect(legacyJson('Username or email already exists')).to.equal('"Username or email already exists"');
  });
  it('writes floats with a decimal point', () => {
    expect(legacyJson({ x: 1.5, y: 2 })).to.equal('{"x": 1.5, "y": 2}');
  });
  it('is parseable JSON', () => {
    const v = { z: { y: ['a', 1, { x: 'é' }] }, a: false };
    expect(JSON.parse(legacyJson(v))).to.deep.equal(v);
  });
});
