/**
 * `GET /_status` (cli.md "Operations"): each dependency checked at once, each bounded in time, so a hung
 * backend makes the answer a 503 naming it rather than a hung health check.
 */
export const STATUS_CHECK_TIMEOUT_MS = 2_000;

export interface CheckResult {
  readonly status: 'ok' | 'failing';
  readonly ms: number;
  readonly error?: string;
}

export interface StatusReport {
  readonly status: 'ok' | 'failing';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export async function runStatusChecks(checks: Readonly<Record<string, () => Promise<unknown>>>, timeoutMs = STATUS_CHECK_TIMEOUT_MS): Promise<StatusReport> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
    const started = process.hrtime.bigint();
    const ms = () => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return [name, { status: 'ok', ms: ms() }];
    } catch (err) {
      return [name, { status: 'failing', ms: ms(), error: (err as Error).message }];
    } finally {
      clearTimeout(timer);
    }
  }));
  const results = Object.fromEntries(entries);
  return { status: entries.every(([, r]) => r.status === 'ok') ? 'ok' : 'failing', checks: results };
}
