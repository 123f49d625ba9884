// Library entry: the pieces a program can use without the CLI. See the README's "Library".
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator/server.js';
export { loadDesired, loadDesiredPaths, loadDesiredFile, loadDesiredText, formatDiagnostic, type LoadResult } from './desired/load.js';
export { exportDocument, exportFiles } from './desired/export.js';
export { createClient, type ApiClient, type ClientOptions } from './live/client.js';
export { ApiError, ConfigError } from './live/errors.js';
export { fetchLiveState } from './live/state.js';
export { buildPlan, planState, type PlanOptions, type Planned } from './plan/planner.js';
export { parseTarget } from './plan/select.js';
export { PlanError } from './plan/match.js';
export { renderText } from './plan/render/text.js';
export { renderMarkdown } from './plan/render/markdown.js';
export { executePlan, SafetyError, type ExecuteOptions } from './apply/executor.js';
export type { ApplyReport, ActionResult } from './apply/report.js';
export type * from './model.js';
