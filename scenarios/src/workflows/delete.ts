/** Workflow C: delete (docs/workflows.md C1–C5), then proof that nothing is left. */
import { buildScenarioImages } from '../images.js';
import type { Scenario } from '../scenario.js';
import type { RecordedExchange } from '../transcript.js';
import { DELETE } from './headings.js';
import { PASSWORD, inStep, isIndex, isRegistry, isValidation, openSteps, scenarioTarget, stepOf, validationsDuring } from './common.js';

const isDelete = (x: RecordedExchange) => isIndex(x) && x.method === 'DELETE';

export const deleteScenario: Scenario = {
  id: 'delete',
  workflow: 'C',
  title: 'Delete: two Index calls around the registry\'s delete, every token revoked',
  summary: 'alice deletes alice/doomed. The Index marks it and issues a delete token, the registry checks that token with the Index and deletes, and the Index then forgets the repository and every token issued for it.',
  topology: 'index+registry',
  async run(ctx) {
    const { wire } = ctx;
    const { name, ref, repo, params } = scenarioTarget(ctx, 'alice/doomed');
    const registryUrl = ctx.stack.registries[0]?.url as string;
    let readToken = '';
    const images = await buildScenarioImages(`delete-${Date.now()}`);
    await ctx.step(DELETE.setup.number, DELETE.setup.title, DELETE.setup.narration, async () => {
      await ctx.recorder.quietly(async () => {
        const alice = wire.client();
        await alice.login({ username: 'alice', password: PASSWORD, email: 'alice@example.com' });
        await alice.push(ref, images);
        const res = await wire.index().getRepositoryImages(repo, { wantToken: true });
        await res.buffer();
        readToken = res.header('x-docker-token') ?? '';
      });
      ctx.note(`alice pushed ${name}:latest; a read token for it was kept aside.`);
      ctx.expect('a read token was issued before the delete', readToken.includes('access=read'), readToken);
    });

    openSteps(ctx, DELETE.request, DELETE.registry, DELETE.done);
    let seenFirst = false;
    await ctx.phase(
      (x) => {
        if (isRegistry(x) || isValidation(x)) return DELETE.registry;
        if (isDelete(x)) {
          const heading = seenFirst ? DELETE.done : DELETE.request;
          seenFirst = true;
          return heading;
        }
        return DELETE.request;
      },
      async () => {
        await wire.client({ username: 'alice', password: PASSWORD }).deleteRepository(ref);
      },
    );
    const first = stepOf(ctx, DELETE.request).exchanges.find(isDelete);
    ctx.expect('C1–C2: the Index accepts (202) and returns a delete token', first?.status === 202 && /access=delete/.test(first.responseHeaders['X-Docker-Token'] ?? ''), `${first?.status} ${first?.responseHeaders['X-Docker-Token'] ?? ''}`, DELETE.request.number);
    const registryStep = stepOf(ctx, DELETE.registry);
    const registryDelete = registryStep.exchanges.find((x) => isRegistry(x) && x.method === 'DELETE');
    ctx.expect('C3: the registry receives the delete with the token', /access=delete/.test(registryDelete?.requestHeaders.Authorization ?? ''), registryDelete?.requestHeaders.Authorization, DELETE.registry.number);
    const checked = registryDelete ? validationsDuring(registryStep.exchanges, registryDelete) : [];
    ctx.expectInternal('C4: the registry checks the token with the Index (true) before it deletes', checked.some((x) => x.verdict === 'true'), checked.map((x) => x.verdict).join(',') || 'no validation during the delete', DELETE.registry.number);
    ctx.expect('C4: …and deletes (200)', registryDelete?.status === 200, String(registryDelete?.status), DELETE.registry.number);
    const second = stepOf(ctx, DELETE.done).exchanges.find(isDelete);
    ctx.expect('C5: the client tells the Index it is done (with X-Docker-Endpoints), the Index purges (200)', second?.status === 200 && second.requestHeaders['X-Docker-Endpoints'] !== undefined, String(second?.status), DELETE.done.number);

    await inStep(ctx, DELETE.after, async () => {
      const index = await wire.index().getRepositoryImages(repo, { authorization: `Token ${readToken}` });
      await index.buffer();
      ctx.expect('the read token issued before the delete is now refused by the Index (401)', index.status === 401, String(index.status), DELETE.after.number);
      const registry = await wire.registry.getTags(registryUrl, params, `Token ${readToken}`);
      await registry.buffer();
      ctx.expect('…and so by the registry, which asks the Index (401)', registry.status === 401, String(registry.status), DELETE.after.number);
      const lookup = await wire.index().getRepositoryImages(repo, { wantToken: true });
      await lookup.buffer();
      ctx.expect('the Index no longer knows the repository (404)', lookup.status === 404, String(lookup.status), DELETE.after.number);
      // Only an in-process registry's storage can be looked into (a registry in another process is not).
      const holdsImage = ctx.stack.registries[0]?.holdsImage;
      const left = [];
      if (holdsImage) for (const image of images.chain) if (await holdsImage(image.id)) left.push(image.id.slice(0, 12));
      ctx.expectInternal('the registry no longer holds the repository\'s images (nothing else referenced them)', holdsImage !== undefined && left.length === 0, left.join(', '), DELETE.after.number);
    });
  },
};
