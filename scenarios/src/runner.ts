/**
 * Runs scenarios: starts the stack they need (or uses services already running), records every exchange,
 * and returns transcripts. A transcript is `ok` only when every step ran and every expectation held — except
 * those that could not be observed (against services already running elsewhere), which are marked as such.
 */
import crypto from 'node:crypto';
import { Recorder, maskSecrets } from './recorder.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { externalStack, startStack, type Backends, type Stack } from './stack.js';
import { scenarioClients } from './wire.js';
import { failed as failedExpectation, type Participant, type Transcript } from './transcript.js';

/** Services already running: `--index URL --registry URL`, or `--registry URL` alone (a standalone registry). */
export interface ExternalServices {
  readonly index: string | null;
  readonly registry: string;
}

export interface RunOptions {
  readonly backends: Backends;
  /** Services already running, instead of in-process ones. */
  readonly external?: ExternalServices;
}

/** How an expectation that cannot be watched against services already running is marked. */
export const NOT_OBSERVABLE = 'not observable against external services: it happens between or inside them, in other processes';

/**
 * Why `scenario` cannot run against the services already running given, or null when it can: the standalone
 * scenario needs a standalone registry alone, the Index scenarios an Index and its registry, and the
 * custom-index topology (two Indexes, four registries, one of them stopped on purpose) is only ever started
 * in-process.
 */
export function notApplicable(scenario: Scenario, external: ExternalServices): string | null {
  switch (scenario.topology) {
    case 'custom-index':
      return 'it starts its own two Indexes and four registries (and stops one), so it only runs in-process';
    case 'standalone':
      return external.index ? 'it needs a standalone registry (--registry URL alone), and an Index was given' : null;
    default:
      return external.index ? null : 'it needs an Index and its registry (--index URL --registry URL)';
  }
}

class StepFailed extends Error {}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<Transcript> {
  if (opts.external) {
    const reason = notApplicable(scenario, opts.external);
    if (reason) throw new Error(`scenario ${scenario.id} cannot run against these services: ${reason}`);
  }
  const recorder = new Recorder();
  const unwatch = recorder.watchRequests(opts.external ? 'external' : 'in-process');
  const remarks: string[] = [];
  let stack: Stack;
  try {
    stack = opts.external ? externalStack(opts.external.index, opts.external.registry) : await startStack(scenario.topology, opts.backends, recorder);
  } catch (err) {
    unwatch();
    throw err;
  }
  if (stack.external) remarks.push('Running against services already started elsewhere: the registry → Index validation calls and the registries\' storage are in other processes, so the expectations about them are marked "not observable against external services" (neither held nor failed); everything the client sees is checked. Repository names carry this run\'s id, so earlier runs cannot get in the way.');
  let failed = false;
  const wire = scenarioClients(stack, recorder);
  const ctx: ScenarioContext = {
    stack,
    runId: crypto.randomBytes(3).toString('hex'),
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
    expectInternal(description, held, detail, number) {
      if (stack.external) {
        recorder.expect(description, null, undefined, number, NOT_OBSERVABLE);
        return null;
      }
      recorder.expect(description, held, detail, number);
      return held;
    },
    note: (text, number) => recorder.note(text, number),
    remark: (text) => remarks.push(maskSecrets(text)),
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
    unwatch();
  }
  const steps = recorder.steps;
  for (const step of steps) if (step.error !== undefined) step.error = maskSecrets(step.error);
  // An expectation that could not be observed is no failure; one that was checked must have held.
  const ok = steps.length > 0 && steps.every((s) => !s.error && !s.expectations.some(failedExpectation)) && steps.some((s) => s.expectations.some((e) => e.held === true));
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
