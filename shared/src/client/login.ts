/**
 * `docker login` as Docker ≤1.10 did it (v1-protocol.md §6.1, MOBY registry/auth.go@v1.5.0 loginV1):
 * ping, then try to create the account; when the account exists (the exact 400 body) or registration is
 * closed (401), check the credentials with `GET /v1/users/`.
 */
import { formatBasic } from '../protocol/token.js';
import { V1ClientError } from './client-error.js';
import { attempt, responseError, type ClientContext } from './context.js';
import { pingIndex } from './ping.js';
import { endpointUrl, hostOf } from './remote.js';
import type { ReportStep } from './reports.js';

/** What a login did. */
export interface LoginResult {
  /** `created`: the POST made a new account. `logged-in`: the credentials were checked and are good. */
  readonly outcome: 'created' | 'logged-in';
  /** The line Docker printed. */
  readonly message: string;
  readonly steps: readonly ReportStep[];
}

/** Username, password and (for a new account) email. */
export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly email?: string;
  /**
   * False: only check the credentials (`GET /v1/users/`, the one call of Docker ≥1.11, §6.1 item 3), never
   * create an account. Default: true when an email is given, as `docker login -e` did.
   */
  readonly create?: boolean;
}

/** LEGACY: §3.1 I3 — Docker compared the whole body, quotes included, with this exact JSON string. */
const USER_EXISTS_BODY = '"Username or email already exists"';

/**
 * Logs in (or signs up) as Docker 1.5 did. Resolves `created` or `logged-in`; rejects with a
 * V1ClientError whose code is `WRONG_PASSWORD`, `ACCOUNT_INACTIVE` or `FAILED`.
 */
export async function login(ctx: ClientContext, input: LoginInput): Promise<LoginResult> {
  const host = hostOf(ctx.indexUrl);
  const operation = `login ${host}`;
  const registryUrl = endpointUrl(ctx.indexUrl);
  const steps: ReportStep[] = [];
  await pingIndex(ctx, operation);
  steps.push({ step: '1', action: 'ping', endpoint: host });
  if (!(input.create ?? input.email !== undefined)) return checkCredentials(ctx, input, { operation, registryUrl, steps, accountExists: true });

  const created = await attempt(operation, () => ctx.index.createUser({ username: input.username, password: input.password, email: input.email ?? '' }));
  const body = await attempt(operation, () => created.text());
  steps.push({ step: '2', action: 'createUser', status: created.status, endpoint: host });
  if (created.status === 201) {
    return { outcome: 'created', message: `Account created. Please see the documentation of the registry ${registryUrl} for instructions how to activate it.`, steps };
  }
  const accountExists = created.status === 400 && body === USER_EXISTS_BODY;
  if (!accountExists && created.status !== 401) {
    if (created.status === 400) throw await responseError(operation, created, { detail: 'Registration failed' });
    throw await responseError(operation, created, { detail: 'Unexpected status code' });
  }

  return checkCredentials(ctx, input, { operation, registryUrl, steps, accountExists });
}

async function checkCredentials(ctx: ClientContext, input: LoginInput, at: { operation: string; registryUrl: string; steps: ReportStep[]; accountExists: boolean }): Promise<LoginResult> {
  const { operation, registryUrl, steps, accountExists } = at;
  const host = hostOf(ctx.indexUrl);
  const checked = await attempt(operation, () => ctx.index.checkLogin(formatBasic(input.username, input.password)));
  steps.push({ step: '2', action: 'checkLogin', status: checked.status, endpoint: host });
  if (checked.status === 200) {
    await checked.discard();
    return { outcome: 'logged-in', message: 'Login Succeeded', steps };
  }
  const where = { operation, method: checked.method, path: checked.path, status: checked.status };
  if (checked.status === 401) {
    await checked.discard();
    throw new V1ClientError({ ...where, detail: 'Wrong login/password, please try again', code: 'WRONG_PASSWORD' });
  }
  // LEGACY: §6.1 — Docker recognised an inactive account only on the "already exists" path.
  if (checked.status === 403 && accountExists) {
    await checked.discard();
    throw new V1ClientError({ ...where, detail: `Account is not Active. Please see the documentation of the registry ${registryUrl} for instructions how to activate it.`, code: 'ACCOUNT_INACTIVE' });
  }
  throw await responseError(operation, checked, { detail: 'Login failed' });
}
