// Global teardown, loaded by .mocharc.json for every mocha run. Once the run is over (every test and every
// after hook done), the process must end by itself: a server, child process or socket that a test left open
// would keep mocha alive for ever, and a CI run would hang to its time limit instead of failing. After a
// grace period, this names what is still open and ends the run as a failure.
// V1HUB_TEST_EXIT_GRACE_MS exists for the guard's own test.
const GRACE_MS = Number(process.env.V1HUB_TEST_EXIT_GRACE_MS) || 20_000;

function leftOpen(): string {
  const counts = new Map<string, number>();
  for (const resource of process.getActiveResourcesInfo()) counts.set(resource, (counts.get(resource) ?? 0) + 1);
  return [...counts].map(([resource, count]) => `${resource} ×${count}`).join(', ') || 'nothing Node can name';
}

export function mochaGlobalTeardown(): void {
  // In watch mode the process is meant to stay.
  if (process.argv.includes('--watch') || process.argv.includes('-w')) return;
  // unref: the guard itself never keeps the process alive; it only fires if something else does.
  setTimeout(() => {
    process.stderr.write(`exit guard: the test process was still running ${GRACE_MS / 1000} s after the run ended; left open: ${leftOpen()}\n`);
    // Mocha's own exit listener (without --exit) sets the exit code to the failure count, 0 when every test
    // passed; this listener is added after it, so it runs last and the run fails.
    process.on('exit', () => {
      process.exitCode = 1;
    });
    process.exit(1);
  }, GRACE_MS).unref();
}
