// Library entry: what a program needs to plan and apply without the CLI. See the README's "Library".

// load the files, make a client, prepare (or loadSaved) a plan, apply it
export { load, prepare, loadSaved, apply, parseTargets, succeeded, type Loaded, type Planned, type PlannedFromFiles, type PrepareOptions, type SavedOptions, type ApplyOptions } from './engine/index.js';
export { createClient, type ApiClient, type ClientOptions } from './live/client.js';
export { loadDesiredPaths, loadDesiredText, formatDiagnostic, type LoadResult } from './desired/load.js';
export { exportDocument, exportFiles } from './desired/export.js';
// the pure core
export { planState, buildPlan, type PlanOptions, type PlannedState } from './plan/planner.js';
// renderers: plans and apply reports
export { renderText } from './plan/render/text.js';
export { renderMarkdown } from './plan/render/markdown.js';
export { renderDiff } from './plan/render/diff.js';
export { outcomeText, resultLine, summaryText, verificationText, requestsText } from './plan/render/apply.js';
// errors, each with a code
export { ApiError, ConfigError } from './live/errors.js';
export { DesiredStateError, SafetyError, StalePlanError } from './engine/index.js';
export { PlanError } from './plan/match.js';
export { SelectionError } from './plan/select.js';
// the emulator, for tests and demos
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator/server.js';
export type * from './model.js';
