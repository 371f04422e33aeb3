/** Workflow A: pull (docs/workflows.md A1–A5), with a tampered-token and a private-repository branch. */
import type { PullReport } from '@v1hub/shared/client';
import { buildScenarioImages } from '../images.js';
import type { Scenario } from '../scenario.js';
import { PULL } from './headings.js';
import { PASSWORD, inStep, isIndex, isPing, isRegistry, isValidation, openSteps, scenarioTarget, requestsWithoutOwnValidation, stepOf } from './common.js';

export const pullScenario: Scenario = {
  id: 'pull',
  workflow: 'A',
  title: 'Pull: the Index hands out a token, the registry checks it with the Index',
  summary: 'An anonymous client pulls alice/web. It asks the Index first, gets a read token and the registry to use, and the registry asks the Index about that token on every request.',
  topology: 'index+registry',
  async run(ctx) {
    const { wire } = ctx;
    const { name, ref, repo, params } = scenarioTarget(ctx, 'alice/web');
    const images = await buildScenarioImages(`pull-${Date.now()}`);
    await ctx.step(PULL.setup.number, PULL.setup.title, PULL.setup.narration, async () => {
      const login = await ctx.recorder.quietly(async () => {
        const alice = wire.client();
        const result = await alice.login({ username: 'alice', password: PASSWORD, email: 'alice@example.com' });
        await alice.push(ref, images);
        return result;
      });
      ctx.note(`alice ${login.outcome === 'created' ? 'signed up' : 'logged in'} and pushed ${name}:latest (2 images); those exchanges are the push scenario's lesson and are not shown.`);
      ctx.expect(`${name}:latest is pushed`, true);
    });

    openSteps(ctx, PULL.ask, PULL.answer, PULL.registry);
    let report: PullReport | null = null;
    await ctx.phase((x) => (isValidation(x) || isRegistry(x) ? PULL.registry : PULL.ask), async () => {
      report = await wire.client().pull(ref);
    });
    const ask = stepOf(ctx, PULL.ask).exchanges.filter((x) => isIndex(x) && !isPing(x));
    const images1 = ask.find((x) => x.path.endsWith('/images'));
    ctx.expect('the client asks the Index first, with X-Docker-Token: true', images1?.requestHeaders['X-Docker-Token'] === 'true', images1?.path, PULL.ask.number);
    ctx.expect('the v2 probe fails, so the client stays on v1', stepOf(ctx, PULL.ask).exchanges.some((x) => x.path === '/v2/' && x.status === 404), undefined, PULL.ask.number);

    ctx.expect('the Index answers 200 with the image list', images1?.status === 200, String(images1?.status), PULL.answer.number);
    ctx.expect('…with a read token', /access=read/.test(images1?.responseHeaders['X-Docker-Token'] ?? ''), images1?.responseHeaders['X-Docker-Token'], PULL.answer.number);
    ctx.expect('…and the registry in X-Docker-Endpoints', (images1?.responseHeaders['X-Docker-Endpoints'] ?? '') === ctx.stack.registries[0]?.server, images1?.responseHeaders['X-Docker-Endpoints'], PULL.answer.number);
    await inStep(ctx, PULL.answer, async () => {
      const plain = await wire.index().getRepositoryImages(repo, { wantToken: false });
      await plain.buffer();
      ctx.expect('the same request without X-Docker-Token: true gets no token (the token is only issued when asked)', plain.status === 200 && plain.header('x-docker-token') === null, undefined, PULL.answer.number);
    });

    const registry = stepOf(ctx, PULL.registry);
    const calls = registry.exchanges.filter((x) => isRegistry(x) && !isPing(x));
    const validations = registry.exchanges.filter(isValidation);
    ctx.expect('every registry request carries Authorization: Token …', calls.length > 0 && calls.every((x) => (x.requestHeaders.Authorization ?? '').startsWith('Token ')), undefined, PULL.registry.number);
    const unasked = requestsWithoutOwnValidation(registry.exchanges, calls);
    ctx.expectInternal('the registry asks the Index about the token before answering each request (A4)', calls.length > 0 && unasked.length === 0, `${validations.length} validations for ${calls.length} requests${unasked.length ? `; none of its own during ${unasked.map((x) => `${x.method} ${x.path}`).join(', ')}` : ''}`, PULL.registry.number);
    ctx.expectInternal('the Index answers true every time (A5)', validations.length > 0 && validations.every((v) => v.verdict === 'true'), validations.map((v) => v.verdict).join(','), PULL.registry.number);
    ctx.expect('…so the registry serves every request (200)', calls.length > 0 && calls.every((x) => x.status === 200), calls.map((x) => x.status).join(','), PULL.registry.number);
    const pulled = report as PullReport | null;
    ctx.expect('the registry alone serves the image and every layer it inherits', (pulled?.images.length ?? 0) === 2, `${pulled?.images.length ?? 0} images`, PULL.registry.number);

    await inStep(ctx, PULL.tampered, async () => {
      const token = images1?.responseHeaders['X-Docker-Token'] ?? '';
      const read = await wire.index().getRepositoryImages(repo, { wantToken: true });
      await read.buffer();
      const real = read.header('x-docker-token') ?? '';
      const tampered = real.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`);
      const res = await wire.registry.getTags(ctx.stack.registries[0]?.url as string, params, `Token ${tampered}`);
      await res.buffer();
      ctx.expect('the registry refuses the tampered token with 401', res.status === 401, String(res.status), PULL.tampered.number);
      ctx.note(`the token the client got in A2 was ${token}`, PULL.tampered.number);
    });
    const tamperedStep = stepOf(ctx, PULL.tampered);
    const verdicts = tamperedStep.exchanges.filter(isValidation);
    ctx.expectInternal('the Index answered false to the registry', verdicts.length === 1 && verdicts[0]?.verdict === 'false', verdicts.map((v) => `${v.status}`).join(','), PULL.tampered.number);

    await inStep(ctx, PULL.private, async () => {
      const patched = await wire.index().patchRepositoryInfo(repo, { private: true }, { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` });
      await patched.buffer();
      ctx.expect(`alice makes ${name} private`, patched.status === 200, String(patched.status), PULL.private.number);
      let refused = '';
      try {
        await wire.client().pull(ref);
      } catch (err) {
        refused = (err as Error).message;
      }
      ctx.expect('an anonymous pull is refused by the Index (401), before any registry is contacted', /401/.test(refused), refused, PULL.private.number);
      const withCredentials = await wire.client({ username: 'alice', password: PASSWORD }).pull(ref);
      ctx.expect('with alice\'s Basic credentials the Index issues a token and the pull succeeds', withCredentials.images.length === 2, undefined, PULL.private.number);
    });
  },
};
