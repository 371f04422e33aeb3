/** The registry's administrator call: garbage collection on demand (the `index-admin` guard checked the caller). */
import type { Context } from 'koa';
import { invalidRequest, sendJson } from '@v1hub/shared';
import type { RegistryDeps } from '../../deps.js';
import { DEFAULT_GC_GRACE_MS } from '../../config.js';
import { collectGarbage, type GcReport } from '../../images/garbage-collector.js';
import { declaredImagesOf } from '../request-helpers.js';

/** The report as the API and `v1hub gc --json` show it. */
export function gcReportJson(report: GcReport) {
  return {
    dry_run: report.dryRun,
    scanned: report.scanned,
    reachable: report.reachable,
    freed: report.freed.length,
    freed_bytes: report.freedBytes,
    kept_uploading: report.kept.uploading,
    kept_recent: report.kept.recent,
    images: report.freed,
    v2: { scanned: report.v2.scanned, freed: report.v2.freed.length, freed_bytes: report.v2.freedBytes, kept_recent: report.v2.keptRecent, abandoned_uploads: report.v2.abandonedUploads, blobs: report.v2.freed },
  };
}

export function adminHandlers(deps: RegistryDeps) {
  return {
    /** `POST /v1/_admin/gc?dry_run=true&grace=SECONDS`. */
    async registryGc(ctx: Context): Promise<void> {
      const dryRun = ctx.query.dry_run === 'true' || ctx.query.dry_run === '1';
      const graceText = typeof ctx.query.grace === 'string' ? ctx.query.grace : null;
      const grace = graceText === null ? DEFAULT_GC_GRACE_MS / 1000 : Number(graceText);
      if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86400) throw invalidRequest(`Invalid grace (${graceText}): whole seconds from 0 to 2592000`);
      const report = await collectGarbage(deps, { dryRun, graceMs: grace * 1000, declared: new Set(declaredImagesOf(ctx)) });
      ctx.state.log.info(dryRun ? 'garbage collection (dry run)' : 'garbage collection', { freed: report.freed.length, bytes: report.freedBytes });
      sendJson(ctx, 200, gcReportJson(report));
    },
  };
}
