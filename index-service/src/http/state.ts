import type { Context } from 'koa';
import type { RepoName, RequestState } from '@v1hub/shared';
import type { IndexDeps } from '../deps.js';

export type IndexState = RequestState;

export type IndexContext = Context & { state: IndexState };

/** What every handler is built with. */
export interface HandlerDeps {
  readonly deps: IndexDeps;
}

export type { RepoName };
