/**
 * `v1hub scenario pull|push|delete|standalone|custom-index|all [--format text|json|mermaid|html] [--out FILE]
 * [--metadata URL] [--storage URL] [--index URL --registry URL]` (cli.md "Scenarios"). Exit 0 only when every
 * step's expectation held. Against services already running, what only in-process services show (the registry
 * → Index calls) is reported as not observable rather than held or failed, and `all` runs the scenarios that
 * fit the services given and names the ones it skipped, one line each on stderr.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { renderHtml } from '../render/html.js';
import { renderJson } from '../render/json.js';
import { renderMermaid, renderMermaidDocument } from '../render/mermaid.js';
import { renderText } from '../render/text.js';
import type { ExternalServices } from '../runner.js';
import type { Scenario } from '../scenario.js';
import { failed as failedExpectation, type Transcript } from '../transcript.js';
import { SCENARIOS, SCENARIO_IDS } from '../workflows/index.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

interface ScenarioOptions {
  format: 'text' | 'json' | 'mermaid' | 'html';
  out?: string;
  metadata: string;
  storage: string;
  index?: string;
  registry?: string;
}

export function registerScenarioCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('scenario')
    .description('Replay a v1 workflow against real services, narrating every HTTP exchange')
    .addArgument(program.createArgument('<name>', 'which workflow').choices([...SCENARIO_IDS, 'all']))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid', 'html']).default('text'))
    .option('--out <file>', 'write the output to a file instead of stdout (with --format mermaid, a directory: one .mmd per scenario)')
    .option('--metadata <url>', 'Index metadata for in-process services: memory, file:DIR, redis://…', io.env.V1HUB_METADATA ?? 'memory')
    .option('--storage <url>', 'Registry storage for in-process services: memory, local:DIR, s3://…', io.env.V1HUB_STORAGE ?? 'memory')
    .option('--index <url>', 'an Index already running (with --registry); `all` then skips standalone and custom-index')
    .option('--registry <url>', 'a Registry already running: the Index\'s (with --index), or a standalone one alone (standalone scenario)')
    .action(async (name: string, opts: ScenarioOptions) => {
      if (opts.index !== undefined && opts.registry === undefined) {
        throw new CliError('--index and --registry go together (the standalone scenario takes --registry alone)', EXIT_USAGE);
      }
      // The runner (and through it both services) is loaded only when a scenario runs.
      const { notApplicable, runScenario } = await import('../runner.js');
      const external: ExternalServices | undefined = opts.registry ? { index: opts.index ?? null, registry: opts.registry } : undefined;
      const chosen: Scenario[] = [];
      const skipped: { scenario: Scenario; reason: string }[] = [];
      for (const scenario of name === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.id === name)) {
        // Services already running may or may not have been started with --v2: F runs against them only when asked for by name.
        const reason = external ? (name === 'all' && scenario.topology === 'index+registry+v2' ? 'it needs services started with --v2: ask for it by name (scenario v2 --index URL --registry URL)' : notApplicable(scenario, external)) : null;
        if (reason === null) chosen.push(scenario);
        else if (name === 'all') skipped.push({ scenario, reason });
        // Asked for by name, a scenario that does not fit the services given is a usage error.
        else if (scenario.topology === 'index+registry') throw new CliError(`--index and --registry go together (the standalone scenario takes --registry alone)`, EXIT_USAGE);
        else throw new CliError(`scenario ${scenario.id} cannot run against the services given: ${reason}`, EXIT_USAGE);
      }
      if (chosen.length === 0) throw new CliError(`no scenario applies to the services given: ${skipped.map((s) => `${s.scenario.id} (${s.reason})`).join('; ')}`, EXIT_USAGE);
      const transcripts: Transcript[] = [];
      for (const scenario of chosen) {
        transcripts.push(await runScenario(scenario, { backends: { metadata: opts.metadata, storage: opts.storage }, ...(external ? { external } : {}) }));
      }
      const output =
        opts.format === 'json' ? renderJson(transcripts)
        : opts.format === 'mermaid' ? renderMermaidDocument(transcripts)
        : opts.format === 'html' ? renderHtml(transcripts)
        : renderText(transcripts, { colour: !opts.out && io.stdoutIsTTY });
      const outIsDir = opts.out !== undefined && (await fs.stat(opts.out).then((st) => st.isDirectory(), () => false));
      if (opts.out && outIsDir && opts.format === 'mermaid') {
        // `--out DIR` with mermaid: one document per scenario, `<scenario>.mmd`.
        for (const t of transcripts) await fs.writeFile(path.join(opts.out, `${t.scenario}.mmd`), renderMermaid(t));
        io.err(`wrote ${transcripts.map((t) => path.join(opts.out as string, `${t.scenario}.mmd`)).join(', ')}`);
      } else if (opts.out && outIsDir) {
        throw new CliError(`--out ${opts.out} is a directory: one file per scenario is for --format mermaid; name a file for ${opts.format}`, EXIT_USAGE);
      } else if (opts.out) {
        await fs.writeFile(opts.out, output);
        io.err(`wrote ${opts.out}`);
      } else {
        io.out(output.replace(/\n$/, ''));
      }
      for (const { scenario, reason } of skipped) io.err(`v1hub: scenario ${scenario.id} skipped: ${reason}`);
      const failed = transcripts.filter((t) => !t.ok);
      for (const t of failed) io.err(`v1hub: scenario ${t.scenario} failed: ${firstFailure(t)}`);
      setExit(failed.length ? EXIT_FAILED : EXIT_OK);
    });
}

function firstFailure(t: Transcript): string {
  for (const step of t.steps) {
    if (step.error) return `step ${step.number}: ${step.error}`;
    const e = step.expectations.find(failedExpectation);
    if (e) return `step ${step.number}: ${e.description}${e.detail ? ` (${e.detail})` : ''}`;
  }
  return 'no step ran';
}
