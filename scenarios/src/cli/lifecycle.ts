/**
 * Keeps services running until SIGINT or SIGTERM, then stops them cleanly: stop accepting, finish in-flight
 * requests within a 10 s grace, close stores (cli.md "SIGTERM/SIGINT").
 */
export const SHUTDOWN_GRACE_MS = 10_000;

export function runUntilSignal(stop: () => Promise<void>, onSignal?: (signal: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      onSignal?.(signal);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      stop().then(resolve, reject);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
