/**
 * `v1hub gc --storage URL --index URL [--dry-run] [--grace SECONDS]` (cli.md): frees the images no tag of any
 * repository reaches, straight from the registry's storage, keeping what pushes in progress declared (asked
 * of the Index with the administrator credentials `v1hub login` saved for it). Prints the count and bytes it
 * freed, or would free.
 */
import type { Command } from 'commander';
import { formatBasic } from '@v1hub/shared/core';
import { defaultConfigPath, getCredentials } from '@v1hub/shared/client';
import { DEFAULT_GC_GRACE_MS } from '@v1hub/registry-service/config';
import { CliError, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { formatBytes } from './layer-progress.js';

interface GcOptions {
  storage?: string;
  index?: string;
  dryRun?: boolean;
  grace?: string;
  json?: boolean;
}

async function declaredByIndex(indexUrl: string, io: CliIo): Promise<Set<string>> {
  const host = new URL(indexUrl).host;
  const credentials = await getCredentials(host, defaultConfigPath(io.env as NodeJS.ProcessEnv));
  if (!credentials) throw new CliError(`gc: no saved login for ${host}: log in as an administrator first (v1hub login ${host} -u admin)`, EXIT_USAGE);
  let res: Response;
  try {
    res = await fetch(`${indexUrl.replace(/\/+$/, '')}/v1/_admin/pending-images`, { headers: { Authorization: formatBasic(credentials.username, credentials.password) }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError(`gc: the Index ${host} cannot be reached (${(err as Error).message}): nothing was removed`);
  }
  if (res.status === 401 || res.status === 403) throw new CliError(`gc: ${credentials.username} is not an administrator of ${host} (${res.status}): log in as one (v1hub login ${host} -u admin)`);
  if (!res.ok) throw new CliError(`gc: the Index ${host} answered ${res.status}: nothing was removed`);
  const body = (await res.json()) as { images?: string[] };
  return new Set(body.images ?? []);
}

export function registerGcCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('gc')
    .description('Free the images no tag reaches, from a registry\'s storage (keeps what pushes in progress declared)')
    .option('--storage <url>', 'the registry\'s storage: local:DIR, s3://bucket[/prefix]?…')
    .option('--index <url>', 'the registry\'s Index (asked, as an administrator, which images pushes in progress declared)')
    .option('--dry-run', 'only say what would be freed')
    .option('--grace <seconds>', `keep images changed within this many seconds (default ${DEFAULT_GC_GRACE_MS / 1000})`)
    .option('--json', 'the report as JSON on stdout')
    .action(async (opts: GcOptions) => {
      if (!opts.storage || !opts.index) throw new CliError('gc needs --storage URL and --index URL (e.g. v1hub gc --storage local:.v1hub/registry --index http://127.0.0.1:5000)', EXIT_USAGE);
      // Loaded here, not at start: every other command would pay for the registry package.
      const { collectGarbageAt, gcReportJson, parseStorageUrl } = await import('@v1hub/registry-service');
      const parsed = parseStorageUrl(opts.storage);
      if (!parsed.ok) throw new CliError(`gc: --storage ${opts.storage}: ${parsed.problems.join('; ')}`, EXIT_USAGE);
      if (!/^https?:\/\//.test(opts.index)) throw new CliError(`gc: --index must be an http:// or https:// URL, got ${opts.index}`, EXIT_USAGE);
      const grace = opts.grace === undefined ? DEFAULT_GC_GRACE_MS / 1000 : Number(opts.grace);
      if (!Number.isInteger(grace) || grace < 0) throw new CliError(`gc: --grace must be whole seconds (0 or more), got ${opts.grace}`, EXIT_USAGE);
      const declared = await declaredByIndex(opts.index, io);
      let report;
      try {
        report = await collectGarbageAt(opts.storage, { dryRun: opts.dryRun ?? false, graceMs: grace * 1000, declared });
      } catch (err) {
        throw new CliError(`gc: ${(err as Error).message}`);
      }
      if (opts.json) io.out(JSON.stringify(gcReportJson(report)));
      else {
        const what = `${report.freed.length} image(s), ${formatBytes(report.freedBytes)} (${report.freedBytes} bytes)`;
        const kept = report.kept.uploading + report.kept.recent > 0 ? `; kept ${report.kept.uploading} still uploading and ${report.kept.recent} changed within ${grace} s` : '';
        io.out(`${report.dryRun ? 'would free' : 'freed'} ${what} of ${report.scanned} scanned, ${report.reachable} reachable${kept}`);
        const v2 = report.v2;
        if (v2.scanned > 0 || v2.abandonedUploads > 0) {
          const v2Kept = v2.keptRecent > 0 ? `; kept ${v2.keptRecent} changed within ${grace} s` : '';
          io.out(`v2: ${report.dryRun ? 'would free' : 'freed'} ${v2.freed.length} blob(s), ${formatBytes(v2.freedBytes)} (${v2.freedBytes} bytes) of ${v2.scanned} scanned${v2Kept}; ${v2.abandonedUploads} abandoned upload(s) ${report.dryRun ? 'would be removed' : 'removed'}`);
        }
      }
      setExit(EXIT_OK);
    });
}
