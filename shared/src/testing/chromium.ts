// Debian's Chromium for the Web UI's browser suites, with the same skip policy as Redis and dockerd.
import { isExecutableFile } from './executables.js';
import type { SkippableContext } from './redis-server.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_INSTALL_COMMAND = 'apt-get install -y chromium';
/** The flags the machine's notes ask for: headless, no sandbox as root, and no calls to Google's hosts. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/**
 * For a `before` hook: returns when Chromium is installed; otherwise skips with a notice naming the install
 * command, except under `CI=true`, where it throws so that missing coverage fails.
 */
export function requireChromium(ctx: SkippableContext, env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (isExecutableFile(CHROMIUM_PATH)) return;
  const problem = `${CHROMIUM_PATH} is missing; install it with \`${CHROMIUM_INSTALL_COMMAND}\``;
  if (env.CI === 'true') throw new Error(`${problem}. CI=true, so the browser suites fail instead of skipping.`);
  process.stderr.write(`\n  WARNING: skipping browser tests: ${problem}.\n`);
  ctx.skip();
}
