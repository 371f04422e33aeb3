import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bool, ConfigError, describeConfig, envName, flagName, hostPortProblem, int, list, loadConfig, oneOf, port, str } from '../../src/index.js';

const schema = {
  host: str('Address to bind', '127.0.0.1'),
  port: port('Port', 5000),
  tokenTtl: int('Token lifetime in seconds', 600, { min: 1, max: 86400 }),
  standalone: bool('Run without an Index', false),
  logFormat: oneOf('Log format', 'json', ['json', 'pretty'] as const),
  endpoints: list('Registries advertised', [], hostPortProblem),
  metadata: str('Metadata store URL', 'memory'),
};

describe('config', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'v1hub-config-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (content: string) => {
    const p = path.join(dir, `c${Math.random()}.json`);
    fs.writeFileSync(p, content);
    return p;
  };

  it('names env vars and flags from the setting key (cli.md)', () => {
    expect(envName('indexPort')).to.equal('V1HUB_INDEX_PORT');
    expect(envName('tokenTtl')).to.equal('V1HUB_TOKEN_TTL');
    expect(flagName('tokenTtl')).to.equal('--token-ttl');
  });

  it('uses defaults when nothing is given', () => {
    expect(loadConfig(schema, {})).to.deep.equal({ host: '127.0.0.1', port: 5000, tokenTtl: 600, standalone: false, logFormat: 'json', endpoints: [], metadata: 'memory' });
  });

  it('applies defaults < file < env < flags', () => {
    const f = file(JSON.stringify({ port: 1, tokenTtl: 10, host: 'file-host', 'log-format': 'pretty' }));
    const c = loadConfig(schema, { file: f, env: { V1HUB_PORT: '2', V1HUB_TOKEN_TTL: '20' }, flags: { port: '3' } });
    expect(c).to.include({ host: 'file-host', port: 3, tokenTtl: 20, logFormat: 'pretty' });
  });

  it('reads lists from comma strings, repeated flags and JSON arrays', () => {
    expect(loadConfig(schema, { flags: { endpoints: ['a:1,b:2', 'c'] } }).endpoints).to.deep.equal(['a:1', 'b:2', 'c']);
    expect(loadConfig(schema, { env: { V1HUB_ENDPOINTS: ' a:1 , b ' } }).endpoints).to.deep.equal(['a:1', 'b']);
    expect(loadConfig(schema, { file: file('{"endpoints":["x:9"]}') }).endpoints).to.deep.equal(['x:9']);
  });

  it('lists every problem at once', () => {
    const f = file(JSON.stringify({ bogus: 1, port: 'eighty' }));
    try {
      loadConfig(schema, { file: f, env: { V1HUB_TOKEN_TTL: '0', V1HUB_STANDALONE: 'maybe' }, flags: { logFormat: 'xml', endpoints: 'http://reg:5001' } });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).to.have.length(6);
      expect(problems.join('\n')).to.include('unknown setting "bogus"').and.include('V1HUB_TOKEN_TTL must be between 1 and 86400')
        .and.include('V1HUB_STANDALONE must be true or false').and.include('--log-format must be one of json, pretty')
        .and.include('--endpoints must be a bare host[:port] without a scheme').and.include('"port" must be a whole number');
    }
  });

  it('reports an unreadable or non-JSON config file', () => {
    expect(() => loadConfig(schema, { file: path.join(dir, 'missing.json') })).to.throw(ConfigError, /cannot read \(ENOENT\)/);
    expect(() => loadConfig(schema, { file: file('{') })).to.throw(ConfigError, /not valid JSON/);
    expect(() => loadConfig(schema, { file: file('[1]') })).to.throw(ConfigError, /must hold a JSON object/);
  });

  it('never quotes a broken config file: it may hold a password', () => {
    const err = (() => {
      try {
        loadConfig(schema, { file: file('{"adminPassword": hunter2}') });
        return null;
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect(err?.message).to.include('not valid JSON (a JSON syntax error').and.not.include('hunter2');
  });

  it('runs cross checks only when each setting is valid on its own', () => {
    const cross = (c: { standalone: boolean; endpoints: readonly string[] }) => (c.standalone && c.endpoints.length ? ['--endpoints makes no sense with --standalone'] : []);
    expect(() => loadConfig(schema, { flags: { standalone: true, endpoints: 'a:1' } }, cross)).to.throw(ConfigError, /makes no sense/);
  });

  it('hides passwords inside URLs when describing the config', () => {
    const c = loadConfig(schema, { flags: { metadata: 'redis://:hunter2@127.0.0.1:6379/0' } });
    expect(describeConfig(schema, c).metadata).to.equal('redis://:[redacted]@127.0.0.1:6379/0');
  });

  it('freezes the result', () => {
    expect(Object.isFrozen(loadConfig(schema, {}))).to.equal(true);
  });
});
