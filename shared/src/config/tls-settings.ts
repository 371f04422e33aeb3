/**
 * The TLS settings of `index`, `registry` and `up` (cli.md "Operations"): a certificate and key to serve
 * https with, and CA certificates trusted for the service's own outgoing https (the registry asking its
 * Index, the Index reading its registries). Files are checked when the settings are read, so a wrong path
 * stops the service at start with the rest of the problems.
 */
import { readFileSync } from 'node:fs';
import type { TlsFiles } from '../http/listen.js';
import { optionalStr } from './settings.js';

export function readableFile(path: string): string | null {
  try {
    readFileSync(path);
    return null;
  } catch (err) {
    return `cannot be read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`;
  }
}

export const tlsSettings = {
  tlsCert: optionalStr('PEM certificate (chain) to serve https with (with --tls-key); the listening line then says https://', readableFile),
  tlsKey: optionalStr('PEM private key of --tls-cert', readableFile),
  ca: optionalStr('PEM file of CA certificates trusted, besides Node\'s own and NODE_EXTRA_CA_CERTS, for this service\'s outgoing https (a registry asking its Index over https, the Index reading its registries)', readableFile),
};

/** For a settings cross-check: the certificate and its key come together. */
export function tlsProblems(config: { tlsCert: string | null; tlsKey: string | null }): string[] {
  if ((config.tlsCert === null) === (config.tlsKey === null)) return [];
  return [config.tlsCert === null ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key'];
}

export function readTlsFiles(config: { tlsCert: string | null; tlsKey: string | null }): TlsFiles | null {
  if (config.tlsCert === null || config.tlsKey === null) return null;
  return { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) };
}

/** The `ca` file's certificates, or undefined when none is set. */
export function readCa(config: { ca: string | null }): Buffer | undefined {
  return config.ca === null ? undefined : readFileSync(config.ca);
}
