/**
 * The v1hub command line: services, client commands and scenario replays (cli.md). Exit codes: 0 success,
 * 1 operation failed (one line naming what failed), 2 usage or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './io.js';
import { registerClientCommands } from './client-commands.js';
import { registerExampleImageCommand } from './example-image-command.js';
import { registerGcCommand } from './gc-command.js';
import { registerScenarioCommand } from './scenario-command.js';
import { registerServiceCommands } from './service-commands.js';
import { registerTarsumCommand } from './tarsum-command.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('v1hub')
    .description('A working model of the legacy Docker Registry v1 world: the Index / Registry split and its token handshake.')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  registerServiceCommands(program, io, setExit);
  registerClientCommands(program, io, setExit);
  registerTarsumCommand(program, io, setExit);
  registerGcCommand(program, io, setExit);
  registerExampleImageCommand(program, io, setExit);
  registerScenarioCommand(program, io, setExit);
  // Every command, nested ones (repo collaborators add) included, reports through io and never exits itself.
  const wire = (commands: readonly Command[]): void => {
    for (const command of commands) {
      command.exitOverride().configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
      wire(command.commands);
    }
  };
  wire(program.commands);
  return program;
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return EXIT_OK;
      if (argv.includes('--json')) io.out(JSON.stringify({ error: err.message.replace(/^error: /, ''), exitCode: EXIT_USAGE }));
      return EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : String(err);
    const exitCode = err instanceof CliError ? err.exitCode : EXIT_FAILED;
    io.err(`v1hub: ${message}`);
    // With --json (before or after the command) a failure is JSON on stdout too, for the program reading it.
    if (argv.includes('--json')) io.out(JSON.stringify({ error: message, exitCode }));
    return exitCode;
  }
}
