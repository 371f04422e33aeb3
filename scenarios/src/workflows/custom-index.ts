/** Workflow E: a private Index advertising several registries — allocation, failover, and a foreign registry. */
import type { PushReport } from '@v1hub/shared/client';
import { buildScenarioImages } from '../images.js';
import type { Scenario } from '../scenario.js';
import { CUSTOM_INDEX } from './headings.js';
import { PASSWORD, inStep, isIndex, isValidation, repoOf, stepOf } from './common.js';

const REPOSITORIES = ['alice/frontend', 'alice/backend', 'alice/worker', 'alice/cron'];

export const customIndexScenario: Scenario = {
  id: 'custom-index',
  workflow: 'E',
  title: 'A custom Index with several registries: allocation, failover, and a registry that trusts another Index',
  summary: 'One private Index advertises three registries, allocating each repository to two of them. A registry is then taken down, and a registry that trusts a different Index is shown refusing this Index\'s tokens.',
  topology: 'custom-index',
  async run(ctx) {
    const { wire } = ctx;
    const index = ctx.stack.index;
    if (!index || ctx.stack.registries.length < 3) throw new Error('the custom-index topology needs an Index and three registries');
    const alice = wire.client();
    await inStep(ctx, CUSTOM_INDEX.setup, async () => {
      await ctx.recorder.quietly(() => alice.login({ username: 'alice', password: PASSWORD, email: 'alice@example.com' }));
      ctx.note(`the Index advertises ${ctx.stack.registries.map((r) => r.server).join(', ')}, two per repository`);
      ctx.expect('three registries run, each validating tokens with this Index', ctx.stack.registries.length === 3);
    });

    const reports = new Map<string, PushReport>();
    await inStep(ctx, CUSTOM_INDEX.spread, async () => {
      for (const name of REPOSITORIES) reports.set(name, await alice.push(`${index.server}/${name}:latest`, await buildScenarioImages(`custom-${name}-${Date.now()}`)));
    });
    const primaries = new Set([...reports.values()].map((r) => r.endpoints[0]));
    ctx.expect('each repository is advertised with two registries, and every push replicated to both', [...reports.values()].every((r) => r.endpoints.length === 2 && new Set(r.images.map((i) => i.endpoint)).size === 2), undefined, CUSTOM_INDEX.spread.number);
    ctx.expect('repositories are spread: their primary registries differ', primaries.size >= 2, [...reports].map(([n, r]) => `${n} → ${r.endpoints.join(' ')}`).join('; '), CUSTOM_INDEX.spread.number);
    const validators = new Set(stepOf(ctx, CUSTOM_INDEX.spread).exchanges.filter(isValidation).map((x) => x.from));
    ctx.expect('every registry that received data asked the Index about the token', validators.size >= 2, [...validators].join(', '), CUSTOM_INDEX.spread.number);

    await inStep(ctx, CUSTOM_INDEX.failover, async () => {
      const [name, report] = [...reports].find(([, r]) => r.endpoints[0] !== undefined) as [string, PushReport];
      const primary = ctx.stack.registries.find((r) => r.server === report.endpoints[0]);
      await primary?.stop();
      ctx.note(`${primary?.server} (the first registry advertised for ${name}) was stopped`);
      const pulled = await wire.client().pull(`${index.server}/${name}:latest`);
      ctx.expect('the pull skipped the stopped registry', pulled.failedEndpoints.some((f) => f.endpoint === primary?.server), JSON.stringify(pulled.failedEndpoints));
      ctx.expect('…and was served by the next advertised registry', pulled.images.every((i) => i.endpoint === report.endpoints[1]), pulled.images.map((i) => i.endpoint).join(','));
    });

    await inStep(ctx, CUSTOM_INDEX.foreign, async () => {
      const foreign = ctx.stack.foreignRegistry;
      if (!foreign) throw new Error('no foreign registry in the stack');
      const name = REPOSITORIES[0] as string;
      const res = await wire.index().getRepositoryImages(repoOf(`${index.server}/${name}`), { wantToken: true });
      await res.buffer();
      const token = res.header('x-docker-token') ?? '';
      const [ns, repo] = name.split('/') as [string, string];
      const refused = await wire.registry.getTags(foreign.url, { ns, repo }, `Token ${token}`);
      await refused.buffer();
      ctx.expect('the registry that trusts another Index refuses this Index\'s token (401)', refused.status === 401, String(refused.status));
    });
    const foreignStep = stepOf(ctx, CUSTOM_INDEX.foreign);
    const asked = foreignStep.exchanges.find((x) => isValidation(x) && x.from === 'registry-foreign');
    ctx.expect('it asked its own Index, which never issued that token and said false', asked?.to === 'index-2' && asked.verdict === 'false', `${asked?.to} ${asked?.verdict}`, CUSTOM_INDEX.foreign.number);
    ctx.expect('our Index issued the token (it was never shown to the other one)', foreignStep.exchanges.some((x) => isIndex(x) && x.to === 'index' && x.status === 200), undefined, CUSTOM_INDEX.foreign.number);
    ctx.remark('One token works on every registry the Index lists, because each of them asks the same Index (v1-protocol.md §9.4). A registry pointed at a different Index has no way to know this Index\'s tokens.');
  },
};
