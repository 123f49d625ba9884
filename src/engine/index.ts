// The engine below the CLI: prepare (or loadSaved) a plan, then apply it. Commands, the
// GitHub Action's script and the library all call these.
export { apply, SafetyError, type ApplyOptions } from './apply.js';
export type { Planned, PlannedFromFiles, Shown } from './planned.js';
export { DesiredStateError, load, loadSaved, parseTargets, prepare, StalePlanError, type Loaded, type PrepareOptions, type SavedOptions } from './prepare.js';
export { succeeded } from './report.js';
