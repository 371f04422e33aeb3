/**
 * Mirror mode (§9 item 8): a read-only cache. It holds only what its upstream serves to anyone (mirror.ts), so
 * reads need no check here — a token the client sends is forwarded upstream for what is not held — and every
 * write is refused, naming where pushes go.
 */
import { V1Error, accessForMethod } from '@v1hub/shared';
import type { AccessController, AccessRequest, Grant } from './access-controller.js';
import { tokenRepository } from './standalone-access-controller.js';

export class MirrorAccessController implements AccessController {
  readonly mode = 'mirror' as const;

  constructor(private readonly upstream: string) {}

  async authorize(req: AccessRequest): Promise<Grant> {
    if (accessForMethod(req.method) !== 'read') throw new V1Error('METHOD_NOT_ALLOWED', { message: `This registry is a read-only mirror of ${this.upstream}: push and delete there` });
    return { repository: tokenRepository(req.authorization), images: null, authorization: req.authorization };
  }

  async layerAccess(): Promise<boolean> {
    return true;
  }
}
