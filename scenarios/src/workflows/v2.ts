/**
 * Workflow F: v2, the Index becomes a token server (docs/workflows.md F1–F5), beside the v1 steps it replaces.
 * The same accounts and the same authorization rules; the difference is who is asked, and how often.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildTar } from '@v1hub/shared/core';
import { createV2Client, V2ClientError, type V2Image } from '@v1hub/shared/client';
import type { Scenario } from '../scenario.js';
import { exchangeRecorder } from '../wire.js';
import { V2 } from './headings.js';
import { PASSWORD, inStep, isIndex, isRegistry, isValidation, openSteps, repositoryName, scenarioTarget, stepOf } from './common.js';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A one-layer image with its config, as `docker build` would make it (the diff id is the layer's tar sha256). */
async function v2Image(seed: string): Promise<V2Image> {
  const tar = await buildTar([{ name: 'hello.txt', content: Buffer.from(`hello from workflow F (${seed})\n`) }]);
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2015-06-01T00:00:00Z',
    config: { Cmd: ['cat', '/hello.txt'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '2015-06-01T00:00:00Z', created_by: 'COPY hello.txt /' }],
  }));
  return { config, layers: [layer] };
}

/** The claims of a JWT (its middle part), for the transcript: what the Index granted. */
function claimsOf(token: string): { access?: Array<{ type: string; name: string; actions: string[] }>; sub?: string; aud?: string } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as ReturnType<typeof claimsOf>;
  } catch {
    return {};
  }
}

export const v2Scenario: Scenario = {
  id: 'v2',
  workflow: 'F',
  title: 'v2: the Index becomes a token server, and the registry stops asking it',
  summary: 'alice pushes alice/hello with the Registry API V2 and an anonymous client pulls it: one token request to the Index each, then the registry checks the token\'s signature by itself. In v1 the registry asked the Index about the token on every request.',
  topology: 'index+registry+v2',
  async run(ctx) {
    const registryUrl = ctx.stack.registries[0]?.url as string;
    const onExchange = exchangeRecorder(ctx.stack, ctx.recorder);
    const name = repositoryName(ctx, 'alice/hello');
    const image = await v2Image(ctx.runId);

    await ctx.step(V2.setup.number, V2.setup.title, V2.setup.narration, async () => {
      const login = await ctx.recorder.quietly(() => ctx.wire.client().login({ username: 'alice', password: PASSWORD, email: 'alice@example.com' }));
      ctx.expect('alice has an account on the Index', login.outcome === 'created' || login.outcome === 'logged-in', login.outcome);
    });

    const alice = createV2Client({ registryUrl, credentials: { username: 'alice', password: PASSWORD }, onExchange });
    await inStep(ctx, V2.challenge, async () => {
      const ping = await alice.ping();
      ctx.expect('GET /v2/ without a token: 401', ping.status === 401, String(ping.status));
      ctx.expect('…with a Bearer challenge naming the Index as realm', (ping.challenge ?? '').startsWith(`Bearer realm="${ctx.stack.index?.url}/v2/token"`), ping.challenge ?? '(none)');
    });

    openSteps(ctx, V2.challenge, V2.token, V2.served);
    let digest = '';
    await ctx.phase((x) => (isIndex(x) ? V2.token : x.status === 401 ? V2.challenge : V2.served), async () => {
      // Like Docker: GET /v2/ (the challenge), one token for pull,push, then every request with it.
      digest = await alice.push(name, 'latest', image);
    });
    const tokenRequests = stepOf(ctx, V2.token).exchanges.filter(isIndex);
    ctx.expect('the client asked the Index for a token once, for the whole push', tokenRequests.length === 1, `${tokenRequests.length} token requests`, V2.token.number);
    ctx.expect('…with Basic credentials', (tokenRequests[0]?.requestHeaders.Authorization ?? '').startsWith('Basic'), tokenRequests[0]?.requestHeaders.Authorization, V2.token.number);
    const asked = new URLSearchParams((tokenRequests[0]?.path ?? '').split('?')[1] ?? '').get('scope');
    ctx.expect(`…for the scope repository:${name}:pull,push`, asked === `repository:${name}:pull,push`, asked ?? '(none)', V2.token.number);
    const granted = claimsOf(alice.lastToken() ?? '').access ?? [];
    ctx.expect('the token grants pull and push on the repository, and nothing else', granted.length === 1 && granted[0]?.name === name && [...granted[0].actions].sort().join(',') === 'pull,push', JSON.stringify(granted), V2.token.number);
    const served = stepOf(ctx, V2.served).exchanges.filter(isRegistry);
    ctx.expect('every request repeated with Authorization: Bearer …', served.length > 0 && served.every((x) => (x.requestHeaders.Authorization ?? '').startsWith('Bearer ')), undefined, V2.served.number);
    ctx.expect('the blobs and the manifest are stored (201)', served.filter((x) => x.method !== 'HEAD').every((x) => x.status === 201), served.map((x) => `${x.method} ${x.status}`).join(', '), V2.served.number);
    const validations = [...stepOf(ctx, V2.served).exchanges, ...stepOf(ctx, V2.challenge).exchanges, ...stepOf(ctx, V2.token).exchanges].filter(isValidation);
    ctx.expectInternal('the registry never asked the Index about the token (v1 asked before each of these requests)', validations.length === 0, `${validations.length} registry → Index calls for ${served.length} requests`, V2.served.number);
    ctx.note(`the manifest's digest is ${digest}`, V2.served.number);

    const anonymous = createV2Client({ registryUrl, onExchange });
    await ctx.phase(() => V2.pull, async () => {
      const pulled = await anonymous.pull(name, 'latest');
      ctx.expect('the anonymous client gets the same manifest', pulled.manifestDigest === digest, pulled.manifestDigest, V2.pull.number);
      ctx.expect('…and the layer byte for byte, its digest checked', pulled.layers[0]?.equals(image.layers[0] as Buffer) === true, undefined, V2.pull.number);
    });
    const pullSteps = stepOf(ctx, V2.pull).exchanges;
    ctx.expect('one anonymous token request, granting pull', pullSteps.filter(isIndex).length === 1, `${pullSteps.filter(isIndex).length} token requests`, V2.pull.number);
    const pullValidations = pullSteps.filter(isValidation);
    ctx.expectInternal('again no registry → Index call', pullValidations.length === 0, `${pullValidations.length} calls for ${pullSteps.filter(isRegistry).length} registry requests`, V2.pull.number);

    await inStep(ctx, V2.denied, async () => {
      const patched = await ctx.wire.index().patchRepositoryInfo(scenarioTarget(ctx, 'alice/hello').repo, { private: true }, { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` });
      await patched.buffer();
      ctx.expect(`alice makes ${name} private (the v1 Index API: one policy for both protocols)`, patched.status === 200, String(patched.status));
      const stranger = createV2Client({ registryUrl, onExchange });
      try {
        await stranger.pull(name, 'latest');
        ctx.expect('the anonymous pull is refused', false);
      } catch (err) {
        const refused = err instanceof V2ClientError ? err : null;
        ctx.expect('the anonymous pull is refused: 401 DENIED', refused?.status === 401 && refused.code === 'DENIED', (err as Error).message);
      }
      const token = stepOf(ctx, V2.denied).exchanges.filter(isIndex).find((x) => x.path.startsWith('/v2/token'));
      ctx.expect('the Index still answered the token request (200): it grants nothing, rather than failing', token?.status === 200, String(token?.status));
      ctx.remark('A v2 token cannot be called back: a revocation (a repository made private, a collaborator removed) reaches a token already issued only at its expiry, where v1\'s next validation would have said false at once.');
    });
  },
};
