/** The workflow replays, in the order of docs/workflows.md: the five of v1, then F (v2). */
import type { Scenario, ScenarioId } from '../scenario.js';
import { customIndexScenario } from './custom-index.js';
import { deleteScenario } from './delete.js';
import { pullScenario } from './pull.js';
import { pushScenario } from './push.js';
import { standaloneScenario } from './standalone.js';
import { v2Scenario } from './v2.js';

export const SCENARIOS: readonly Scenario[] = [pullScenario, pushScenario, deleteScenario, standaloneScenario, customIndexScenario, v2Scenario];
export const SCENARIO_IDS: readonly ScenarioId[] = SCENARIOS.map((s) => s.id);
