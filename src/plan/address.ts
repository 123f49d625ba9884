import { stripTestPrefix } from '../names.js';

// PURE. Stable addresses of plan actions, Terraform style: organisation["Acme Ltd"] and
// organisation["Acme Ltd"].integration["Shop orders"], names without the [TEST] prefix.

export const orgAddress = (name: string) => `organisation[${JSON.stringify(stripTestPrefix(name))}]`;
export const integrationAddress = (org: string, name: string) => `${org}.integration[${JSON.stringify(name)}]`;
