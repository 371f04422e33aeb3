import { expect } from 'chai';
import { makeTempDir, requireRedisServer, startRedisServer, startS3Server, type RedisServer, type S3Server, type TempDir } from '@v1hub/shared/testing';
import { runScenario } from '../../src/runner.js';
import type { Backends } from '../../src/stack.js';
import { failed, type Transcript } from '../../src/transcript.js';
import { isRegistry, isValidation } from '../../src/workflows/common.js';
import { SCENARIOS } from '../../src/workflows/index.js';

/** Every step failure, one per line, for the assertion message. */
function failures(t: Transcript): string {
  return t.steps
    .flatMap((s) => [...(s.error ? [`${s.number}: ${s.error}`] : []), ...s.expectations.filter(failed).map((e) => `${s.number}: ${e.description}${e.detail ? ` (${e.detail})` : ''}`)])
    .join('\n');
}

function suite(label: string, backends: () => Backends): void {
  describe(`scenarios on ${label}`, function () {
    this.timeout(60_000);
    for (const scenario of SCENARIOS) {
      it(`${scenario.workflow}. ${scenario.title}: every step's expectation holds`, async () => {
        const t = await runScenario(scenario, { backends: backends() });
        expect(t.ok, failures(t)).to.equal(true);
        expect(t.steps.length).to.be.greaterThan(2);
        expect(t.steps.every((s) => s.expectations.length > 0 || s.exchanges.length > 0)).to.equal(true);
        expect(t.steps.flatMap((s) => s.expectations).filter((e) => e.held !== true), 'in-process, every expectation is observed').to.deep.equal([]);
        // Each registry → Index call sits strictly inside a client request to that registry, on the event counter.
        for (const step of t.steps) {
          for (const v of step.exchanges.filter(isValidation)) {
            const inside = step.exchanges.some((x) => isRegistry(x) && x.to === v.from && x.opened < v.opened && v.closed < x.closed);
            expect(inside, `${step.number}: ${v.from} → ${v.to} ${v.path} (${v.opened}…${v.closed}) nests in no client request`).to.equal(true);
          }
        }
      });
    }
  });
}

describe('workflow replays × backends', () => {
  let dir: TempDir;
  let redis: RedisServer | null = null;
  let s3: S3Server | null = null;
  before(async () => {
    dir = await makeTempDir('v1hub-scenarios-');
  });
  after(async () => {
    await redis?.stop();
    await s3?.stop();
    await dir.remove();
  });

  suite('memory + local', () => ({ metadata: 'memory', storage: `local:${dir.path}/memory-local` }));
  suite('file + local', () => ({ metadata: `file:${dir.path}/file`, storage: `local:${dir.path}/file-local` }));

  describe('with Redis', () => {
    before(async function () {
      requireRedisServer(this);
      redis = await startRedisServer();
      s3 = await startS3Server();
      process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    });
    suite('redis + local', () => ({ metadata: (redis as RedisServer).url, storage: `local:${dir.path}/redis-local` }));
    suite('redis + s3', () => {
      const server = s3 as S3Server;
      return { metadata: (redis as RedisServer).url, storage: `s3://${server.bucket}/scenarios?endpoint=${encodeURIComponent(server.endpoint)}&region=${server.region}&forcePathStyle=true` };
    });
  });
});
