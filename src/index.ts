// Library entry: the pieces a program can use without the CLI.
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator/server.js';
export { loadDesiredFile, loadDesiredText, formatDiagnostic } from './desired/load.js';
export { createClient, type ApiClient, type ClientOptions } from './live/client.js';
export { ApiError } from './live/errors.js';
export { fetchLiveState } from './live/state.js';
export { buildPlan, type PlanOptions } from './plan/planner.js';
export { PlanError } from './plan/match.js';
export { executePlan, SafetyError, type ExecuteOptions } from './apply/executor.js';
export type * from './model.js';
