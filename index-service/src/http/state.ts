import type { Context } from 'koa';
import type { RepoName, RequestState } from '@v1hub/shared';
import type { IndexDeps } from '../deps.js';

export interface IndexState extends RequestState {
  libraryForm?: boolean;
}

export type IndexContext = Context & { state: IndexState };

/** What every handler is built with. */
export interface HandlerDeps {
  readonly deps: IndexDeps;
}

export type { RepoName };
