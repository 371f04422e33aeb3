/**
 * Creates the `admin` account at first start: with V1HUB_ADMIN_PASSWORD when given, else with a generated
 * password that is returned once so the caller can print it (never logged).
 */
import crypto from 'node:crypto';
import { V1Error } from '@v1hub/shared';
import type { MetadataStore } from '../store/metadata-store.js';
import type { UserService } from './user-service.js';

export const ADMIN_USERNAME = 'admin';

/** Returns the generated password when one was made, else null (the account existed or a password was given). */
export async function ensureAdminAccount(store: MetadataStore, users: UserService, configuredPassword: string | null): Promise<{ created: boolean; generatedPassword: string | null }> {
  if (await store.users.get(ADMIN_USERNAME)) return { created: false, generatedPassword: null };
  const generated = configuredPassword === null ? crypto.randomBytes(12).toString('base64url') : null;
  try {
    await users.createAccount({ username: ADMIN_USERNAME, password: configuredPassword ?? (generated as string), email: 'admin@v1hub.invalid', admin: true });
  } catch (err) {
    // Another Index sharing the store created it first: that one printed the password.
    if (err instanceof V1Error && err.code === 'USER_EXISTS') return { created: false, generatedPassword: null };
    throw err;
  }
  return { created: true, generatedPassword: generated };
}
