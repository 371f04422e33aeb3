/**
 * Cross-site writes. A browser lets any page send a "simple" POST/PUT (`Content-Type: text/plain`, a form) to
 * the Index with the user's saved Basic credentials, and the Index parses JSON whatever the type (as the
 * legacy Index did), so a foreign page could create organisations or change repositories in the user's
 * name. Browsers say where such a request comes from in `Origin`; the Docker client and the CLI send none.
 * So a state-changing request whose `Origin` is not the Index's own is refused (403) before any route runs.
 * The Index's own pages are same-origin and unaffected.
 */
import type { Context, Next } from 'koa';
import { V1Error } from '@v1hub/shared';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseCrossSiteWrites() {
  return async function crossSite(ctx: Context, next: Next): Promise<void> {
    const origin = ctx.get('Origin');
    // NOTE: not `ctx.origin`, which Koa 3 reads from the Origin header itself.
    const own = `${ctx.protocol}://${ctx.host}`;
    // `Sec-Fetch-Site` covers browsers that omit Origin on some same-scheme requests.
    const crossSite = (origin !== '' && origin !== own) || ctx.get('Sec-Fetch-Site') === 'cross-site';
    if (crossSite && !SAFE_METHODS.has(ctx.method)) {
      throw new V1Error('FORBIDDEN', { message: 'Cross-site request refused' });
    }
    await next();
  };
}
