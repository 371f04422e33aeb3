/**
 * Turns a service's settings schema into commander options, so every setting is a flag with the same name
 * (`tokenTtl` → `--token-ttl`) and the values flow into loadConfig untouched (it validates them all at once).
 */
import { Option, type Command } from 'commander';
import { envName, flagName, type Schema } from '@v1hub/shared/core';

/** Settings that take no value on the command line. */
const SWITCHES = new Set(['standalone', 'debug', 'v2']);
/** Settings that may be repeated (`--webhook A --webhook B`). */
const REPEATABLE = new Set(['webhook', 'endpoints']);

export function addSettingsOptions(command: Command, schema: Schema, hidden: readonly string[] = []): Command {
  for (const [key, setting] of Object.entries(schema)) {
    const flag = flagName(key);
    const help = `${setting.doc} [${envName(key)}]`;
    const option = SWITCHES.has(key)
      ? new Option(flag, help)
      : REPEATABLE.has(key)
        ? new Option(`${flag} <value>`, help).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
        : new Option(`${flag} <value>`, help);
    if (hidden.includes(key)) option.hideHelp();
    command.addOption(option);
  }
  command.addOption(new Option('--config <file>', 'JSON file with settings (defaults < file < V1HUB_* env < flags)'));
  return command;
}

/** The flag values commander collected, keyed by setting name, `undefined` when not given. */
export function settingsFlags(opts: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) if (opts[key] !== undefined) flags[key] = opts[key];
  return flags;
}
