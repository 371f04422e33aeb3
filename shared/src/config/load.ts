/**
 * Loads a service's configuration: defaults < `--config` JSON file < `V1HUB_*` environment < flags
 * (cli.md "Services"). Every problem is collected and reported at once in one ConfigError; the CLI prints
 * it and exits with code 2.
 */
import { jsonSyntaxProblem } from '../protocol/json-problem.js';
import fs from 'node:fs';
import type { Setting } from './settings.js';

export type Schema = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `tokenTtl` → `V1HUB_TOKEN_TTL`. */
export function envName(key: string): string {
  return `V1HUB_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** `tokenTtl` → `--token-ttl`. */
export function flagName(key: string): string {
  return `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

export interface ConfigSources {
  /** Environment variables (tests pass a plain object; only `V1HUB_*` names are read). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file whose keys are the setting names (`tokenTtl` or `token-ttl`). */
  readonly file?: string | null;
  /** Flag values by setting name; `undefined` means not given. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/**
 * Resolves every setting of `schema`. `crossCheck` adds problems that involve several settings
 * (e.g. "--index or --standalone is required"). Throws ConfigError listing every problem.
 */
export function loadConfig<S extends Schema>(schema: S, sources: ConfigSources, crossCheck?: (config: ConfigOf<S>) => string[]): ConfigOf<S> {
  const problems: string[] = [];
  const fileValues = sources.file ? readConfigFile(sources.file, problems) : {};
  const known = new Set(Object.keys(schema));
  for (const key of Object.keys(fileValues)) {
    if (!known.has(camel(key)) && !key.startsWith('//')) problems.push(`${sources.file}: unknown setting "${key}"`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(schema)) {
    let value: unknown = setting.default;
    const layers: [string, unknown][] = [
      [`${sources.file}: "${key}"`, fileValues[key] ?? fileValues[kebab(key)]],
      [envName(key), sources.env?.[envName(key)]],
      [flagName(key), sources.flags?.[key]],
    ];
    for (const [label, raw] of layers) {
      if (raw === undefined) continue;
      const result = setting.read(raw);
      if (result.ok) value = result.value;
      else problems.push(`${label} ${result.error}`);
    }
    out[key] = value;
  }
  const config = Object.freeze(out) as ConfigOf<S>;
  if (problems.length === 0 && crossCheck) problems.push(...crossCheck(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`--config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`--config ${path}: must hold a JSON object`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`--config ${path}: not valid JSON (${jsonSyntaxProblem(err)})`);
    return {};
  }
}

function camel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The configuration as it may be logged: secret settings replaced. */
export function describeConfig<S extends Schema>(schema: S, config: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) out[key] = schema[key]?.secret ? '[redacted]' : redactUrlPassword(config[key]);
  return out;
}

function redactUrlPassword(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/(\/\/[^/@:]*:)[^/@]+@/, '$1[redacted]@') : value;
}
