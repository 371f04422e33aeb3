/** Workflow B: push (docs/workflows.md B1–B5). */
import type { PushReport } from '@v1hub/shared/client';
import { buildScenarioImages } from '../images.js';
import type { Scenario } from '../scenario.js';
import type { RecordedExchange } from '../transcript.js';
import { PUSH } from './headings.js';
import { PASSWORD, isIndex, isRegistry, isValidation, openSteps, scenarioTarget, requestsWithoutOwnValidation, stepOf, validationsDuring } from './common.js';

const isAllocation = (x: RecordedExchange) => isIndex(x) && x.method === 'PUT' && x.path.endsWith('/');
const isChecksumUpdate = (x: RecordedExchange) => isIndex(x) && x.method === 'PUT' && x.path.endsWith('/images');

export const pushScenario: Scenario = {
  id: 'push',
  workflow: 'B',
  title: 'Push: the Index allocates the name and a write token; the registry checks it before reading',
  summary: 'alice pushes a two-image chain to alice/app. Credentials go to the Index only; the registry sees nothing but a token, and checks it with the Index on every request.',
  topology: 'index+registry',
  async run(ctx) {
    const { wire } = ctx;
    const { ref } = scenarioTarget(ctx, 'alice/app');
    const images = await buildScenarioImages(`push-${Date.now()}`);
    const alice = wire.client();
    await ctx.phase(() => PUSH.setup, async () => {
      const result = await alice.login({ username: 'alice', password: PASSWORD, email: 'alice@example.com' });
      if (ctx.stack.external) {
        // Services already running may know alice from an earlier run (or scenario): Docker 1.x login then
        // gets 400 "Username or email already exists" and checks the password with GET /v1/users/.
        ctx.expect('the account is created (201 "User Created"), or it exists and the login succeeds (400, then GET /v1/users/ 200)', result.outcome === 'created' || result.outcome === 'logged-in', result.message, PUSH.setup.number);
      } else {
        ctx.expect('the account is created (201 "User Created")', result.outcome === 'created', result.message, PUSH.setup.number);
      }
    });

    openSteps(ctx, PUSH.allocate, PUSH.upload, PUSH.finish);
    let report: PushReport | null = null;
    await ctx.phase((x) => (isRegistry(x) || isValidation(x) ? PUSH.upload : isChecksumUpdate(x) ? PUSH.finish : PUSH.allocate), async () => {
      report = await alice.push(ref, images);
    });

    const alloc = stepOf(ctx, PUSH.allocate).exchanges.find(isAllocation);
    ctx.expect('B1: the client sends Basic credentials and the image list to the Index', (alloc?.requestHeaders.Authorization ?? '').startsWith('Basic') && alloc?.requestHeaders['X-Docker-Token'] === 'true', alloc?.path, PUSH.allocate.number);
    ctx.expect('B2: the Index allocates the name (200) and answers with a temporary write token', alloc?.status === 200 && /access=write/.test(alloc.responseHeaders['X-Docker-Token'] ?? ''), alloc?.responseHeaders['X-Docker-Token'], PUSH.allocate.number);
    ctx.expect('B2: …and the registry to push to', alloc?.responseHeaders['X-Docker-Endpoints'] === ctx.stack.registries[0]?.server, alloc?.responseHeaders['X-Docker-Endpoints'], PUSH.allocate.number);

    const upload = stepOf(ctx, PUSH.upload);
    const writes = upload.exchanges.filter((x) => isRegistry(x) && x.method === 'PUT');
    const layerPuts = writes.filter((x) => x.path.endsWith('/layer'));
    ctx.expect('B3: the client sends json, layer and checksum for each image, then the tag, with the token', writes.length === 2 * 3 + 1 && writes.every((x) => (x.requestHeaders.Authorization ?? '').startsWith('Token ')), `${writes.length} PUTs`, PUSH.upload.number);
    const unchecked = requestsWithoutOwnValidation(upload.exchanges, writes, (v) => v.verdict === 'true');
    ctx.expectInternal('B4: the registry asks the Index about the token during every PUT, layers included (it validates before it reads the stream)', writes.length > 0 && unchecked.length === 0, unchecked.map((x) => `${x.method} ${x.path}`).join(', '), PUSH.upload.number);
    ctx.expect('the layer went up as a chunked stream and was accepted', layerPuts.length === 2 && layerPuts.every((x) => x.status === 200), undefined, PUSH.upload.number);
    const lookups = upload.exchanges.filter((x) => isRegistry(x) && x.method === 'GET' && x.path.endsWith('/json'));
    if (lookups.length > 0) {
      ctx.note(`the existence checks (GET json) used the write token and got 401 without reaching the Index — harmless, as with Docker 1.x (v1-protocol.md §10 Q2)`, PUSH.upload.number);
      ctx.expect('a write token is refused on a GET (401, §10 Q2)', lookups.every((x) => x.status === 401), lookups.map((x) => x.status).join(','), PUSH.upload.number);
      // A validation that also fell inside a PUT still in flight may be that PUT's: only one that no PUT
      // explains counts against a GET.
      const duringWrites = new Set(writes.flatMap((w) => validationsDuring(upload.exchanges, w)));
      const asked = lookups.filter((x) => validationsDuring(upload.exchanges, x).some((v) => !duringWrites.has(v)));
      ctx.expectInternal('…before the Index is asked', asked.length === 0, asked.map((x) => `${x.method} ${x.path}`).join(', '), PUSH.upload.number);
    }

    const finish = stepOf(ctx, PUSH.finish).exchanges.find(isChecksumUpdate);
    ctx.expect('B5: the client updates the Index at the end, and the Index answers 204', finish?.status === 204, String(finish?.status), PUSH.finish.number);
    const pushed = report as PushReport | null;
    ctx.expect('every image was uploaded', (pushed?.images ?? []).every((i) => i.outcome === 'uploaded') && pushed?.images.length === 2, undefined, PUSH.finish.number);
    ctx.expect('no credentials ever reached the registry', stepOf(ctx, PUSH.upload).exchanges.filter(isRegistry).every((x) => !(x.requestHeaders.Authorization ?? '').startsWith('Basic')), undefined, PUSH.finish.number);
  },
};
