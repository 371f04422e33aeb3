/** Workflow D: a standalone registry with no Index at all (docs/workflows.md D). */
import { buildScenarioImages } from '../images.js';
import type { Scenario } from '../scenario.js';
import { STANDALONE } from './headings.js';
import { inStep, isValidation, scenarioTarget } from './common.js';

export const standaloneScenario: Scenario = {
  id: 'standalone',
  workflow: 'D',
  title: 'Standalone registry: no Index, no token checks',
  summary: 'The registry answers the Index calls itself and accepts any credentials and any token. A client pushes and pulls as usual.',
  topology: 'standalone',
  async run(ctx) {
    const { wire } = ctx;
    const registry = ctx.stack.registries[0];
    if (!registry) throw new Error('no registry in the stack');
    const { ref, params } = scenarioTarget(ctx, 'team/tool', registry.server);
    const images = await buildScenarioImages(`standalone-${Date.now()}`);
    await inStep(ctx, STANDALONE.alone, async () => {
      const ping = await wire.client(null, registry.url).ping();
      ctx.expect('the registry says X-Docker-Registry-Standalone: True on ping', ping.standalone, JSON.stringify(ping));
      const login = await wire.client(null, registry.url).login({ username: 'anyone', password: 'anything', email: 'x@example.com' });
      ctx.expect('any login "creates an account" (201 "User Created"), whatever the credentials (§10 Q5)', login.outcome === 'created', login.message);
    });
    await inStep(ctx, STANDALONE.push, async () => {
      const report = await wire.client(null, registry.url).push(ref, images);
      ctx.expect('the push succeeds with no account at all', report.images.length === 2 && report.images.every((i) => i.outcome === 'uploaded'));
    });
    await inStep(ctx, STANDALONE.pull, async () => {
      const report = await wire.client(null, registry.url).pull(ref);
      ctx.expect('the pull succeeds and every layer checksum verifies', report.images.length === 2 && report.images.every((i) => i.verified));
    });
    await inStep(ctx, STANDALONE.check, async () => {
      const id = images.chain[0]?.id as string;
      const forged = await wire.registry.getImageJson(registry.url, id, 'Token signature=MADEUP,repository="someone/else",access=read');
      await forged.buffer();
      ctx.expect('a made-up token reads image data (200)', forged.status === 200, String(forged.status));
      const none = await wire.registry.putTag(registry.url, params, 'hijacked', id, '');
      await none.buffer();
      ctx.expect('no token at all writes a tag (200)', none.status === 200, String(none.status));
    });
    ctx.expectInternal('no Index was ever contacted', ctx.recorder.steps.every((s) => !s.exchanges.some(isValidation)));
    ctx.remark('What standalone gives up: nobody is authenticated and nothing is authorised — any client may read, overwrite or delete any repository. It suits a closed network, or a registry behind a proxy that authenticates (nginx with Basic auth, keeping /_ping and /v1/_ping open, v1-protocol.md §9.7).');
  },
};
