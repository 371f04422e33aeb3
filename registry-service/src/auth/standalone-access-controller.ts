/**
 * Standalone mode (§5.5 `standalone: true`): no Index is ever contacted, any or no token passes, parents are
 * not checked. Security is the operator's concern (a proxy that authenticates, or a closed network, §9.7).
 */
import { parseAuthorization, parseRepoName } from '@v1hub/shared';
import type { AccessController, AccessRequest, Grant } from './access-controller.js';

export class StandaloneAccessController implements AccessController {
  readonly mode = 'standalone' as const;

  async authorize(req: AccessRequest): Promise<Grant> {
    return { repository: tokenRepository(req.authorization), images: null, authorization: req.authorization };
  }

  async layerAccess(): Promise<boolean> {
    return true;
  }
}

/** The repository a token names, if the header holds a parseable token for a valid name. */
export function tokenRepository(authorization: string | undefined) {
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok || parsed.value.scheme !== 'token') return null;
  const claimed = parsed.value.tokens.at(-1)?.repository;
  if (!claimed) return null;
  const name = parseRepoName(claimed);
  return name.ok ? name.value : null;
}
