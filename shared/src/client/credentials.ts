/**
 * The client's credential store: `$V1HUB_CONFIG` (default `~/.v1hub/config.json`) in the shape of Docker's
 * `config.json` — `{"auths": {"host:port": {"auth": "<base64 user:pass>"}}}` (cli.md "Client commands").
 * Read leniently (unknown keys are kept, keys written as URLs are understood, unusable entries skipped);
 * written with mode 0600 through a temporary file and a rename, so a crash never leaves half a file.
 */
import { jsonSyntaxProblem } from '../protocol/json-problem.js';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BasicCredentials } from './remote.js';

/** One `auths` entry as stored. */
export interface StoredAuth {
  readonly auth?: string;
  readonly email?: string;
  readonly [key: string]: unknown;
}

/** The whole file; other top-level keys are preserved on write. */
export interface CredentialsFile {
  readonly auths: Readonly<Record<string, StoredAuth>>;
  readonly [key: string]: unknown;
}

/** `$V1HUB_CONFIG`, else `~/.v1hub/config.json`. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.V1HUB_CONFIG;
  return configured !== undefined && configured !== '' ? configured : join(homedir(), '.v1hub', 'config.json');
}

/**
 * `host:port` for a server given as `host:port`, `http(s)://host:port` or Docker's
 * `https://host:port/v1/` key form; lower-cased.
 */
export function serverKey(server: string): string {
  const trimmed = server.trim();
  const withoutScheme = trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return (withoutScheme.split('/')[0] ?? '').toLowerCase();
}

/** Reads the file; a missing file is an empty store. Rejects with a one-line Error when it is corrupt. */
export async function readCredentialsFile(path: string = defaultConfigPath()): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {} };
    throw new Error(`cannot read the credentials file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (text.trim() === '') return { auths: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the credentials file ${path} is not valid JSON (${jsonSyntaxProblem(err)}); fix it or delete it and log in again`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`the credentials file ${path} is not a JSON object; fix it or delete it and log in again`);
  }
  const record = value as Record<string, unknown>;
  const auths = record.auths !== null && typeof record.auths === 'object' && !Array.isArray(record.auths) ? (record.auths as Record<string, StoredAuth>) : {};
  return { ...record, auths };
}

/** The credentials saved for `server`, or null (also null for an entry whose `auth` cannot be decoded). */
export async function getCredentials(server: string, path: string = defaultConfigPath()): Promise<BasicCredentials | null> {
  const file = await readCredentialsFile(path);
  const wanted = serverKey(server);
  for (const [key, entry] of Object.entries(file.auths)) {
    if (serverKey(key) !== wanted || entry === null || typeof entry !== 'object') continue;
    const decoded = decodeAuth(entry.auth);
    if (decoded) return decoded;
  }
  return null;
}

/** Saves (or replaces) the credentials of `server`, keeping everything else in the file. */
export async function saveCredentials(server: string, credentials: BasicCredentials & { email?: string }, path: string = defaultConfigPath()): Promise<void> {
  const file = await readCredentialsFile(path);
  const key = serverKey(server);
  const auths: Record<string, StoredAuth> = {};
  for (const [name, entry] of Object.entries(file.auths)) if (serverKey(name) !== key) auths[name] = entry;
  auths[key] = {
    auth: Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64'),
    ...(credentials.email ? { email: credentials.email } : {}),
  };
  await writeAtomically(path, `${JSON.stringify({ ...file, auths }, null, 2)}\n`);
}

/** Forgets `server`; resolves true when something was removed. */
export async function removeCredentials(server: string, path: string = defaultConfigPath()): Promise<boolean> {
  const file = await readCredentialsFile(path);
  const key = serverKey(server);
  const kept = Object.entries(file.auths).filter(([name]) => serverKey(name) !== key);
  if (kept.length === Object.keys(file.auths).length) return false;
  await writeAtomically(path, `${JSON.stringify({ ...file, auths: Object.fromEntries(kept) }, null, 2)}\n`);
  return true;
}

function decodeAuth(auth: unknown): BasicCredentials | null {
  if (typeof auth !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) return null;
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? null : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600 });
    // The mode given to writeFile is filtered by the umask; the file holds passwords, so insist.
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new Error(`cannot write the credentials file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
