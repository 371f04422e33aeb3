/**
 * One real `v1hub up` (Index and registry processes' worth, embedded defaults) in a temp dir, and the CLI
 * to push and pull against it, for the Web UI's HTTP and browser suites.
 */
import path from 'node:path';
import { makeTempDir, runCli, spawnCli, type CliProcess, type TempDir } from '@v1hub/shared/testing';

export const ADMIN_PASSWORD = 'admin-pass';

export interface WebStack {
  readonly indexUrl: string;
  readonly registryUrl: string;
  /** `host:port` of the Index, as the CLI and the pull command name it. */
  readonly server: string;
  readonly dir: TempDir;
  readonly exampleImage: string;
  cli(args: string[], user?: string): Promise<{ code: number | string; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startWebStack(): Promise<WebStack> {
  const dir = await makeTempDir('v1hub-web-');
  // Hook receivers in these tests listen on loopback, which the Index refuses unless told otherwise.
  const env = { V1HUB_ADMIN_PASSWORD: ADMIN_PASSWORD, V1HUB_WEBHOOK_PRIVATE_TARGETS: 'true' };
  const data = path.join(dir.path, 'data');
  const proc: CliProcess = spawnCli(['up', '--index-port', '0', '--registry-port', '0', '--data', data, '--log-level', 'warn'], { cwd: dir.path, env });
  const [, indexUrl] = (await proc.waitFor(/index listening on (http:\/\/\S+)/)) as RegExpMatchArray;
  const [, registryUrl] = (await proc.waitFor(/registry listening on (http:\/\/\S+)/)) as RegExpMatchArray;
  await proc.waitFor(/Press Ctrl-C/);
  return {
    indexUrl: indexUrl as string,
    registryUrl: registryUrl as string,
    server: (indexUrl as string).replace('http://', ''),
    dir,
    exampleImage: path.join(data, 'example-image.tar'),
    cli: (args, user = 'alice') => runCli(args, { env: { ...env, V1HUB_CONFIG: path.join(dir.path, `${user}.json`) } }),
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
