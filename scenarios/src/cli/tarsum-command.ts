/** `v1hub tarsum LAYER.tar [--json IMAGE_JSON] [--version tarsum|tarsum.dev]` prints `tarsum+sha256:<hex>`. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { tarsumOfFile, type TarSumVersion } from '@v1hub/shared/core';
import { CliError, EXIT_OK, type CliIo } from './io.js';

export function registerTarsumCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('tarsum')
    .description('Print the TarSum Docker 1.x computed for a layer (json appended when given)')
    .argument('<layer>', 'layer tar (plain or gzip)')
    .option('--json <file>', 'image json, appended to the sum as Docker 1.x did on push')
    .addOption(new Option('--version <version>', 'TarSum version').choices(['tarsum', 'tarsum.v1', 'tarsum.dev']).default('tarsum'))
    .action(async (layer: string, opts: { json?: string; version: TarSumVersion }) => {
      try {
        io.out(await tarsumOfFile(layer, { version: opts.version, ...(opts.json ? { jsonPath: opts.json } : {}) }));
      } catch (err) {
        throw new CliError(`tarsum: ${(err as Error).message}`);
      }
      setExit(EXIT_OK);
    });
}
