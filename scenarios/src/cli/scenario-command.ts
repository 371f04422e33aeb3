/**
 * `v1hub scenario pull|push|delete|standalone|custom-index|all [--format text|json|mermaid|html] [--out FILE]
 * [--metadata URL] [--storage URL] [--index URL --registry URL]` (cli.md "Scenarios"). Exit 0 only when every
 * step's expectation held.
 */
import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { renderHtml } from '../render/html.js';
import { renderJson } from '../render/json.js';
import { renderMermaid } from '../render/mermaid.js';
import { renderText } from '../render/text.js';
import { runScenario } from '../runner.js';
import type { Transcript } from '../transcript.js';
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
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--metadata <url>', 'Index metadata for in-process services: memory, file:DIR, redis://…', io.env.V1HUB_METADATA ?? 'memory')
    .option('--storage <url>', 'Registry storage for in-process services: memory, local:DIR, s3://…', io.env.V1HUB_STORAGE ?? 'memory')
    .option('--index <url>', 'an Index already running (with --registry)')
    .option('--registry <url>', 'a Registry already running (index mode, or standalone for the standalone scenario)')
    .action(async (name: string, opts: ScenarioOptions) => {
      if ((opts.index === undefined) !== (opts.registry === undefined) && !(name === 'standalone' && opts.registry)) {
        throw new CliError('--index and --registry go together (the standalone scenario takes --registry alone)', EXIT_USAGE);
      }
      const chosen = name === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.id === name);
      const transcripts: Transcript[] = [];
      for (const scenario of chosen) {
        const external = opts.registry ? { index: scenario.topology === 'standalone' ? null : (opts.index ?? null), registry: opts.registry } : undefined;
        transcripts.push(await runScenario(scenario, { backends: { metadata: opts.metadata, storage: opts.storage }, ...(external ? { external } : {}) }));
      }
      const output =
        opts.format === 'json' ? renderJson(transcripts)
        : opts.format === 'mermaid' ? transcripts.map(renderMermaid).join('\n')
        : opts.format === 'html' ? renderHtml(transcripts)
        : renderText(transcripts, { colour: !opts.out && io.stdoutIsTTY });
      if (opts.out) {
        await fs.writeFile(opts.out, output);
        io.err(`wrote ${opts.out}`);
      } else {
        io.out(output.replace(/\n$/, ''));
      }
      const failed = transcripts.filter((t) => !t.ok);
      for (const t of failed) io.err(`v1hub: scenario ${t.scenario} failed: ${firstFailure(t)}`);
      setExit(failed.length ? EXIT_FAILED : EXIT_OK);
    });
}

function firstFailure(t: Transcript): string {
  for (const step of t.steps) {
    if (step.error) return `step ${step.number}: ${step.error}`;
    const e = step.expectations.find((x) => !x.held);
    if (e) return `step ${step.number}: ${e.description}${e.detail ? ` (${e.detail})` : ''}`;
  }
  return 'no step ran';
}
