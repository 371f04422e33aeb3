// Issue #17: a v1 session is unchanged when the services also speak v2. The pull, push and delete replays
// (the shim's Docker 1.x sequences) run against an Index and a registry started with --v2, and every
// expectation holds, the v2 probe's included: a Docker 1.6–1.8 client probes the host it was given, the
// Index, and the Index's /v2/ stays a 404 (it serves only /v2/token), so the client stays on v1. Today's
// Docker names the registry's host, where /v2/ answers.
import { expect } from 'chai';
import { runScenario } from '../../src/runner.js';
import { failed } from '../../src/transcript.js';
import { deleteScenario } from '../../src/workflows/delete.js';
import { pullScenario } from '../../src/workflows/pull.js';
import { pushScenario } from '../../src/workflows/push.js';

describe('v1 replays against services started with --v2', function () {
  this.timeout(60_000);
  for (const scenario of [pullScenario, pushScenario, deleteScenario]) {
    it(`${scenario.workflow}. ${scenario.title}: every expectation holds`, async () => {
      const t = await runScenario({ ...scenario, topology: 'index+registry+v2' }, { backends: { metadata: 'memory', storage: 'memory' } });
      const failures = t.steps.flatMap((s) => [...(s.error ? [`${s.number}: ${s.error}`] : []), ...s.expectations.filter(failed).map((e) => `${s.number}: ${e.description}`)]);
      expect(failures).to.deep.equal([]);
      const probes = t.steps.flatMap((s) => s.exchanges).filter((x) => x.path === '/v2/' && x.to === 'index');
      if (scenario === pullScenario) expect(probes, 'the pull probes v2 first').not.to.be.empty;
      for (const probe of probes) expect(probe.status, 'the Index\'s /v2/ stays a 404').to.equal(404);
    });
  }
});
