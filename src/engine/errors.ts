import type { Diagnostic, SafetyViolation } from '../model.js';
import { plural } from '../text.js';

// The engine's refusals, each with a code. Apart from the engine, so that printing them
// (commands/errors.ts) loads nothing else.

/** Problems in the files, or in matching them to live state: nothing was changed. */
export class DesiredStateError extends Error {
  readonly code = 'DESIRED_STATE';
  constructor(
    readonly diagnostics: Diagnostic[],
    /** load: found in the files before any request; plan: found matching them to live state */
    readonly stage: 'load' | 'plan',
    readonly label: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    super(stage === 'load' ? `${label}: ${plural(errors, 'problem')}; nothing was sent to the API` : `${label}: cannot plan (${plural(errors, 'problem')}); nothing was changed`);
  }
}

/** A saved plan whose live state has moved on: applying it could undo what others did. */
export class StalePlanError extends Error {
  readonly code = 'STALE_PLAN';
}

/** A plan past its safety thresholds, refused before any write. */
export class SafetyError extends Error {
  readonly code = 'SAFETY';
  constructor(readonly violations: SafetyViolation[]) {
    super(`apply refused: ${violations.map((v) => v.message).join('; ')} (nothing was changed; pass force to apply anyway)`);
  }
}

