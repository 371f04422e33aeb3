/** The five workflow replays, in the order of docs/workflows.md. */
import type { Scenario, ScenarioId } from '../scenario.js';
import { customIndexScenario } from './custom-index.js';
import { deleteScenario } from './delete.js';
import { pullScenario } from './pull.js';
import { pushScenario } from './push.js';
import { standaloneScenario } from './standalone.js';

export const SCENARIOS: readonly Scenario[] = [pullScenario, pushScenario, deleteScenario, standaloneScenario, customIndexScenario];
export const SCENARIO_IDS: readonly ScenarioId[] = SCENARIOS.map((s) => s.id);
