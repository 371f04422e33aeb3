/** `v1hub example-image --to FILE`: writes the example image v1hub builds itself (a two-image docker save tarball). */
import type { Command } from 'commander';
import { writeExampleImage } from '@v1hub/shared/client';
import { CliError, EXIT_OK, type CliIo } from './io.js';

export function registerExampleImageCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('example-image')
    .description('Write a small example image (two layers, deterministic ids) as a docker save tarball to push')
    .requiredOption('--to <image.tar>', 'where to write the tarball')
    .action(async (opts: { to: string }) => {
      let top: string;
      try {
        top = await writeExampleImage(opts.to);
      } catch (err) {
        throw new CliError(`example-image: cannot write ${opts.to}: ${(err as Error).message}`);
      }
      io.out(`wrote the example image (2 images, top ${top.slice(0, 12)}, tag example:latest) to ${opts.to}`);
      setExit(EXIT_OK);
    });
}
