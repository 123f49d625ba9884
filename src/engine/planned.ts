import type { FetchedLiveState } from '../live/state.js';
import type { DesiredState, LiveState, Plan } from '../model.js';
import type { MatchResult } from '../plan/match.js';
import type { Target } from '../plan/select.js';

/**
 * A plan with everything it was made from, so that apply cannot be fed the wrong states: the
 * files' desired state (null for a saved plan, which is checked by its effects), the live state
 * it was planned against, the selection and the options its closing check plans with again.
 */
/** What the plan shows: the selected part of both states and their pairing (for the diff). */
export interface Shown {
  desired: DesiredState;
  live: LiveState;
  match: MatchResult;
}

export interface Planned {
  readonly plan: Plan;
  /** the client it was prepared with (ApiClient.identity): apply refuses another account's */
  readonly client: string;
  readonly desired: DesiredState | null;
  readonly live: FetchedLiveState;
  readonly targets: Target[];
  /** under --target, what the selection acts on (plan/select.ts subjectOf): the closing check looks at these again */
  readonly subjects: ReadonlySet<string> | null;
  readonly allowReplace: boolean;
  /** what the plan shows (null for a saved plan) */
  readonly shown: Shown | null;
  /** what was planned, for messages: the paths, or the saved plan's file */
  readonly label: string;
}

/** A plan made from files: it has their state, and shows a diff. */
export interface PlannedFromFiles extends Planned {
  readonly desired: DesiredState;
  readonly shown: Shown;
}
