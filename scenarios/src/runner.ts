/**
 * Runs scenarios: starts the stack they need (or uses services already running), records every exchange,
 * and returns transcripts. A transcript is `ok` only when every step ran and every expectation held.
 */
import { Recorder } from './recorder.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { externalStack, startStack, type Backends, type Stack } from './stack.js';
import { scenarioClients } from './wire.js';
import type { Participant, Transcript } from './transcript.js';

export interface RunOptions {
  readonly backends: Backends;
  /** Services already running: `--index URL --registry URL`. */
  readonly external?: { readonly index: string | null; readonly registry: string };
}

class StepFailed extends Error {}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<Transcript> {
  const recorder = new Recorder();
  const remarks: string[] = [];
  const stack: Stack = opts.external ? externalStack(opts.external.index, opts.external.registry) : await startStack(scenario.topology, opts.backends, recorder);
  if (stack.external) remarks.push('Running against services already started elsewhere: the registry → Index validation calls happen in another process and are not shown.');
  let failed = false;
  const wire = scenarioClients(stack, recorder);
  const ctx: ScenarioContext = {
    stack,
    recorder,
    wire,
    async step(number, title, narration, fn) {
      if (failed) return;
      const step = recorder.begin(number, title, narration);
      try {
        await fn();
      } catch (err) {
        step.error = (err as Error).message;
        failed = true;
        throw new StepFailed(step.error);
      }
    },
    async phase(classify, fn) {
      if (failed) return;
      const stop = recorder.classify(classify);
      try {
        await fn();
      } catch (err) {
        const step = recorder.steps.at(-1) ?? recorder.begin('!', 'Client action failed', 'The client action stopped before any exchange.');
        step.error = (err as Error).message;
        failed = true;
        throw new StepFailed(step.error);
      } finally {
        stop();
      }
    },
    expect(description, held, detail, number) {
      recorder.expect(description, held, detail, number);
      return held;
    },
    note: (text, number) => recorder.note(text, number),
    remark: (text) => remarks.push(text),
  };
  try {
    await scenario.run(ctx);
  } catch (err) {
    if (!(err instanceof StepFailed)) {
      const last = recorder.steps.at(-1) ?? recorder.begin('!', 'Scenario aborted', 'The scenario stopped outside any step.');
      last.error ??= (err as Error).message;
    }
  } finally {
    wire.close();
    await stack.close();
  }
  const steps = recorder.steps;
  const ok = steps.length > 0 && steps.every((s) => !s.error && s.expectations.every((e) => e.held));
  return {
    scenario: scenario.id,
    workflow: scenario.workflow,
    title: scenario.title,
    summary: scenario.summary,
    backend: stack.backend,
    participants: participantsOf(steps.flatMap((s) => s.exchanges.flatMap((x) => [x.from, x.to]))),
    steps,
    ok,
    ms: recorder.elapsed(),
    remarks,
  };
}

/** Client first, then Indexes, then registries, in a stable order. */
function participantsOf(seen: Participant[]): Participant[] {
  const unique = [...new Set<Participant>(['client', ...seen])];
  const rank = (p: Participant) => (p === 'client' ? 0 : p.startsWith('index') ? 1 : 2);
  return unique.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
