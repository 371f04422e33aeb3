// The Index's settings refuse combinations that would promise what nothing provides.
import { expect } from 'chai';
import { ConfigError } from '@v1hub/shared';
import { loadIndexConfig } from '../src/config.js';

const REPLICAS_NEED_REDIS = '--metadata-replicas needs a Redis --metadata (redis://, redis+sentinel:// or redis+cluster://)';

function problemsOf(flags: Record<string, unknown>): readonly string[] {
  try {
    loadIndexConfig({ flags: { port: 0, ...flags } });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('Index settings: --metadata-replicas', () => {
  for (const metadata of ['memory', 'file:/tmp/v1hub-never-opened']) {
    it(`is refused with ${metadata} (only Redis replicates)`, () => {
      expect(problemsOf({ metadata, metadataReplicas: 1 })).to.deep.equal([REPLICAS_NEED_REDIS]);
    });
  }

  for (const metadata of ['redis://127.0.0.1:1/0', 'redis+cluster://127.0.0.1:1,127.0.0.1:2', 'redis+sentinel://127.0.0.1:1/v1hub-master']) {
    it(`is accepted with ${metadata.split(':')[0]}`, () => {
      expect(problemsOf({ metadata, metadataReplicas: 1 })).to.deep.equal([]);
    });
  }

  it('is not judged on a --metadata that does not parse: that one gets its own message alone', () => {
    const problems = problemsOf({ metadata: 'postgres://127.0.0.1:1/v1hub', metadataReplicas: 1 });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('unsupported metadata store');
  });

  it('0 (the default) is accepted with every store', () => {
    expect(problemsOf({ metadata: 'memory', metadataReplicas: 0 })).to.deep.equal([]);
  });
});
