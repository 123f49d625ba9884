import fc from 'fast-check';
import type { LiveIntegration, LiveOrganisation, LiveState, Mode } from '../../src/model.js';
import { fileName, orgNameKey } from '../../src/names.js';

// Generators of live state for property tests, written for reuse (desired-state and selection
// generators build on them). A live state is what the listings could hold: names as a server
// stores them (with or without the `[TEST] ` prefix, odd but legal characters, words YAML 1.1
// reads as booleans or numbers), namesakes (organisations, and integrations ENABLED or
// DISABLED), integrations of other types with fields cbsync does not manage, ids that look
// like YAML scalars. Every id is unique, as the server's are.

/** Words and shapes that YAML readers take for something else, or that need quoting. */
export const YAML_LOOKALIKES = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'YES', 'Off', 'true', 'False', 'null', 'Null', '~', '=', '<<',
  '123', '007', '0o17', '0x1F', '1_000', '1:20', '1e3', '.5', '+1', '-0', '.inf', '.NaN', '2001-12-14',
  'a: b', '#hash', '- dash', "it's", '"quoted"', '*star', '&amp', '!bang', '%pct', '@at', '`tick`', '{brace}', '[bracket]', '? q', '| pipe', '> fold',
  // what a CI log takes for a workflow command
  '##[error]forged', 'a ##[b', '\\##[x', '::warning::x',
];

/** Names that are legal in a file and print as themselves: printable, trimmed, NFC. */
export const arbPlainName = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...YAML_LOOKALIKES, 'Acme', 'Acme Ltd. (EU)', 'Ünïcödé 名前', 'Café', '[TEST]tight', '[TEST] [TEST] twice', 'x'.repeat(maxLength)),
    fc.stringMatching(/^[A-Za-z0-9][ -~]{0,20}[A-Za-z0-9.)!]$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => s.normalize('NFC').trim()).filter((s) => s.length > 0 && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s)),
  ).map((s) => s.slice(0, maxLength));

/** Names a server may hold that a file cannot say as they are: spaces at an end, a control or invisible character, not NFC. */
export const arbAwkwardName: fc.Arbitrary<string> = fc.constantFrom(' lead', 'trail ', 'tab\there', 'line\nbreak', 'zero\u200bwidth', 'bidi\u202eltr', 'Cafe\u0301', '\u00a0nbsp');

export interface LiveStateOptions {
  /** at most this many organisations (default 6) */
  maxOrganisations?: number;
  /** at most this many integrations per organisation (default 4) */
  maxIntegrations?: number;
  /** the partner mode; TEST: names may carry the server's `[TEST] ` prefix (default: either, or unknown) */
  mode?: Mode | null;
  /** partner (default) or organisation: an organisation-level key sees no organisations, only its own integrations */
  keyLevel?: 'partner' | 'organisation';
  /** how often a name is one a file cannot hold as it is (default 0: never) */
  awkwardNames?: number;
  /** allow organisations that share a name ignoring the prefix (default false: export warns the file will not validate) */
  organisationNamesakes?: boolean;
  /** integrations of types other than CUSTOM_ORDERS (default true) */
  foreignTypes?: boolean;
}

const ODD_IDS = ['yes', 'no', 'on', 'null', '~', '123', '0o17', '1e3', '2001-12-14', '=', 'true'];

/** Unique ids for `orgs` organisations and `ints` integrations: mostly `org_N` and `int_N`, some that look like YAML scalars. */
const arbIds = (orgs: number, ints: number): fc.Arbitrary<[string[], string[]]> =>
  fc
    .uniqueArray(fc.oneof({ weight: 4, arbitrary: fc.nat(9999).map((k) => k.toString(36)) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_IDS) }), { minLength: orgs + ints, maxLength: orgs + ints })
    .map((ids) => {
      const named = ids.map((id, k) => (ODD_IDS.includes(id) ? id : `${k < orgs ? 'org' : 'int'}_${id}`));
      return [named.slice(0, orgs), named.slice(orgs)];
    });

/** A name as a user would write it, sometimes one a file cannot hold. */
const arbName = (max: number, awkward: number) => (awkward > 0 ? fc.oneof({ weight: Math.round((1 - awkward) * 100), arbitrary: arbPlainName(max) }, { weight: Math.round(awkward * 100), arbitrary: arbAwkwardName }) : arbPlainName(max));

const arbMerchants = fc.uniqueArray(fc.oneof(fc.nat(99).map((k) => `mer_${k}`), fc.constantFrom('on', '007', '1:20', 'm#1', 'm 2')), { minLength: 1, maxLength: 3 });

interface IntegrationDraft {
  name: string;
  /** -1: a new name; k: the name of the integration drafted k before it (a namesake) */
  namesakeOf: number;
  type: string;
  status: string;
  merchant_ids: string[];
}

const arbIntegration = (awkward: number, foreign: boolean): fc.Arbitrary<IntegrationDraft> =>
  fc.record({
    name: arbName(255, awkward),
    namesakeOf: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }),
    type: foreign ? fc.oneof({ weight: 5, arbitrary: fc.constant('CUSTOM_ORDERS') }, { weight: 1, arbitrary: fc.constantFrom('SHOPIFY', 'WOOCOMMERCE', 'yes') }) : fc.constant('CUSTOM_ORDERS'),
    status: fc.constantFrom('ENABLED', 'DISABLED'),
    merchant_ids: arbMerchants,
  });

interface OrganisationDraft {
  name: string;
  prefixed: boolean;
  namesakeOf: number;
  integrations: IntegrationDraft[];
}

/** Live states as listings could return them; see LiveStateOptions. */
export function arbLiveState(options: LiveStateOptions = {}): fc.Arbitrary<LiveState> {
  const { maxOrganisations = 6, maxIntegrations = 4, awkwardNames = 0, organisationNamesakes = false, foreignTypes = true, keyLevel = 'partner' } = options;
  const mode = options.mode === undefined ? fc.constantFrom<Mode | null>('TEST', 'LIVE', null) : fc.constant(options.mode);
  const org = fc.record({
    name: arbName(80, awkwardNames),
    prefixed: fc.boolean(),
    namesakeOf: organisationNamesakes ? fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }) : fc.constant(-1),
    integrations: fc.array(arbIntegration(awkwardNames, foreignTypes), { maxLength: maxIntegrations }),
  });
  const orgCount = keyLevel === 'organisation' ? 1 : maxOrganisations;
  return fc
    .tuple(mode, fc.array(org, { minLength: keyLevel === 'organisation' ? 1 : 0, maxLength: orgCount }))
    .chain(([m, drafts]) => {
      const n = drafts.reduce((k, d) => k + d.integrations.length, 0);
      // one id space: a file's ids are unique across organisations and integrations
      return fc.tuple(fc.constant(m), fc.constant(drafts), arbIds(drafts.length, n));
    })
    .map(([m, drafts, [orgIds, intIds]]) => build(m, drafts, orgIds, intIds, keyLevel, organisationNamesakes));
}

function build(mode: Mode | null, drafts: OrganisationDraft[], orgIds: string[], intIds: string[], keyLevel: 'partner' | 'organisation', namesakes: boolean): LiveState {
  const organisations: LiveOrganisation[] = [];
  const integrations: LiveIntegration[] = [];
  const taken = new Set<string>();
  let next = 0;
  drafts.forEach((d, i) => {
    let base = d.namesakeOf >= 0 && i > 0 ? orgNameKey(organisations[Math.max(0, i - 1 - (d.namesakeOf % i))]!.name) : d.name;
    // without namesakes, a name taken (as compared, or as a file writes it) gets the organisation's number
    const keys = (name: string) => [orgNameKey(name), orgNameKey(fileName(name, false).name)];
    if (!namesakes) while (keys(base).some((k) => taken.has(k))) base = `${base} ${i}`;
    for (const k of keys(base)) taken.add(k);
    const o: LiveOrganisation = { id: orgIds[i]!, name: mode === 'TEST' && d.prefixed ? `[TEST] ${base}` : base };
    if (mode) o.mode = mode;
    organisations.push(o);
    const names: string[] = [];
    for (const it of d.integrations) {
      const name = it.namesakeOf >= 0 && names.length ? names[names.length - 1 - (it.namesakeOf % names.length)]! : it.name;
      names.push(name);
      integrations.push({ id: intIds[next++]!, organisation_id: o.id, name, type: it.type, status: it.status, merchant_ids: it.type === 'CUSTOM_ORDERS' ? it.merchant_ids : [] });
    }
  });
  if (keyLevel === 'organisation') {
    const own = organisations[0]!.id;
    return { keyLevel, organisations: [], integrations, mode: null, organisationId: integrations.length ? own : null, fingerprint: 'sha256:generated' };
  }
  return { keyLevel, organisations, integrations, mode, fingerprint: 'sha256:generated' };
}
