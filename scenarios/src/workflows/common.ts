/** Small helpers the workflow scripts share: reading recorded exchanges and the repositories they name. */
import { remoteRepository, toImageReference, type RemoteRepository } from '@v1hub/shared/client';
import type { ScenarioContext } from '../scenario.js';
import type { RecordedExchange, StepRecord } from '../transcript.js';
import type { StepHeading } from '../recorder.js';

export const PASSWORD = 'password1';

export function repoOf(ref: string): RemoteRepository {
  return remoteRepository(toImageReference(ref));
}

/** Creates the steps in this order up front, so steps without exchanges still sit where they belong. */
export function openSteps(ctx: ScenarioContext, ...headings: StepHeading[]): void {
  for (const h of headings) ctx.recorder.stepFor(h);
}

export function stepOf(ctx: ScenarioContext, heading: StepHeading): StepRecord {
  return ctx.recorder.stepFor(heading);
}

export const isIndex = (x: RecordedExchange) => x.to.startsWith('index') && x.from === 'client';
export const isRegistry = (x: RecordedExchange) => x.to.startsWith('registry') && x.from === 'client';
export const isValidation = (x: RecordedExchange) => x.from.startsWith('registry') && x.to.startsWith('index');
export const isPing = (x: RecordedExchange) => /\/(v2\/|v1\/_ping|_ping)$/.test(x.path);

/** Runs a set of hand-made requests whose exchanges all belong to one step. */
export function inStep(ctx: ScenarioContext, heading: StepHeading, fn: () => Promise<void>): Promise<void> {
  return ctx.phase(() => heading, fn);
}

/**
 * The client's exchange durations come in whole milliseconds, so its computed start may be up to a
 * millisecond late; this slack keeps a validation that truly nested inside the request from looking early.
 */
const TIMING_SLACK_MS = 2;

/** Every validation call that happened while `x` was in flight (the registry asks before it answers). */
export function validationsDuring(all: readonly RecordedExchange[], x: RecordedExchange): RecordedExchange[] {
  return all.filter((v) => isValidation(v) && v.startMs >= x.startMs - TIMING_SLACK_MS && v.endMs <= x.endMs + TIMING_SLACK_MS);
}
