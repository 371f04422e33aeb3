/**
 * A scenario is a readable sequence of numbered steps (docs/workflows.md), each carried out with the v1
 * client shim against real services, each checking what it expects. The steps are the lesson.
 */
import type { Recorder, StepHeading } from './recorder.js';
import type { RecordedExchange } from './transcript.js';
import type { Stack, Topology } from './stack.js';
import type { ScenarioClients } from './wire.js';

export type ScenarioId = 'pull' | 'push' | 'delete' | 'standalone' | 'custom-index' | 'v2';

export interface ScenarioContext {
  readonly stack: Stack;
  /**
   * A short id of this run. Against services already running, scenarios name their repositories with it
   * (`alice/web-<runId>`), so what an earlier run left behind cannot change what this one sees.
   */
  readonly runId: string;
  readonly recorder: Recorder;
  /** Recording v1 clients and per-route APIs for this run (closed by the runner). */
  readonly wire: ScenarioClients;
  /**
   * Runs one step. Exchanges and expectations recorded while `fn` runs belong to it. A step that throws is
   * marked failed and ends the scenario (later steps depend on it).
   */
  step(number: string, title: string, narration: string, fn: () => Promise<void>): Promise<void>;
  /**
   * Runs one high-level client action (a whole Docker-style push, say) and files each exchange it causes
   * under the step `classify` names — steps are created in the order they first occur. Throws like `step`.
   */
  phase(classify: (x: RecordedExchange) => StepHeading, fn: () => Promise<void>): Promise<void>;
  /** Records an expectation of the current step, or of step `number`. Returns `held` so callers can branch on it. */
  expect(description: string, held: boolean, detail?: string, number?: string): boolean;
  /**
   * An expectation about what the client never sees — the registry → Index calls, a registry's storage —
   * which only in-process services let us watch. Checked like `expect` in-process; against services already
   * running elsewhere it is recorded as not observable (neither held nor failed) and returns null.
   */
  expectInternal(description: string, held: boolean, detail?: string, number?: string): boolean | null;
  note(text: string, number?: string): void;
  /** A remark shown once next to the whole run (e.g. what standalone mode gives up). */
  remark(text: string): void;
}

export interface Scenario {
  readonly id: ScenarioId;
  /** The workflow letter of docs/workflows.md. */
  readonly workflow: 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
  readonly title: string;
  readonly summary: string;
  readonly topology: Topology;
  run(ctx: ScenarioContext): Promise<void>;
}
