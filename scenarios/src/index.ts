export { main, buildProgram } from './cli/main.js';
export { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './cli/io.js';
