import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bufferedIo } from '../../src/commands/io.js';
import { validateCommand } from '../../src/commands/validate.js';
import { ADMIN } from '../helpers.js';
import { hostile, json } from '../live/hostile.js';
import { run } from './helpers.js';

// A name or a server message must not move the cursor, end a line, or forge a GitHub
// workflow command (`::error`, `::add-mask`, `##[...]`) on stdout or stderr.

const FORGE = 'x\n::error file=README.md,line=1::forged\r\n::add-mask::y \x1b[2J\x1b]0;title\x07 \x9b31m ##[warning]z \u202eevil';

/** Lines a runner would treat as commands, or that carry a raw control or bidi character. */
function dangerous(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*::/.test(l) || l.includes('##[') || /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(l));
}

const dir = mkdtempSync(`${tmpdir()}/cbsync-inject-`);
const FILE = `${dir}/d.yaml`;
writeFileSync(FILE, 'version: 1\nsafety: {max_destructive_percent: 100}\norganisations:\n  - {name: Kept, integrations: [{name: New, merchant_ids: [m1]}]}\n');

async function hostileApi() {
  return hostile((req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/v1/organisations') {
      return json(res, 200, { items: [{ id: 'org_k', name: 'Kept' }, { id: `org_${FORGE}`.replace(/\//g, ''), name: FORGE }], count: 2 });
    }
    if (req.method === 'GET' && url.pathname === '/v1/integrations') {
      return json(res, 200, { items: [{ id: 'int_1', organisation_id: 'org_k', name: FORGE, type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: [FORGE] }], count: 1 });
    }
    json(res, 422, { code: 'BAD', message: FORGE });
  });
}

describe('no forged workflow command or terminal sequence in any output', () => {
  it.each(['plan', 'apply'] as const)('%s, with names and error messages from a hostile server', async (cmd) => {
    const h = await hostileApi();
    try {
      const r = await run(cmd, h.url, FILE, ADMIN, { diff: true });
      expect(r.out.length).toBeGreaterThan(100);
      expect(dangerous(r.out)).toEqual([]);
      expect(dangerous(r.err)).toEqual([]);
      if (cmd === 'apply') expect(r.out).toContain('failed (422 BAD: x\\x0a::error file=README.md,line=1::forged\\x0d\\x0a::add-mask::y \\x1b[2J');
    } finally {
      await h.close();
    }
  });

  it('an error message from a failing listing', async () => {
    const h = await hostile((_q, res) => json(res, 400, { detail: FORGE }));
    try {
      const r = await run('plan', h.url, FILE, ADMIN);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(dangerous(r.err)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('validate: names from the file in diagnostics, with GitHub annotations on', async () => {
    const f = `${dir}/dup.yaml`;
    writeFileSync(f, `version: 1\norganisations:\n  - name: ${JSON.stringify(FORGE)}\n  - name: ${JSON.stringify(FORGE)}\n`);
    const io = bufferedIo({ GITHUB_ACTIONS: 'true' });
    expect(await validateCommand([f], {}, io)).toBe(1);
    const all = `${io.out()}${io.err()}`;
    // our own annotations are the only command lines, one per problem, each a single line
    const commands = all.split('\n').filter((l) => /^\s*::/.test(l));
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toMatch(/^::(error|warning) file=[^:]*,line=\d+,col=\d+,title=cbsync::[^\r]*$/);
    expect(dangerous(all).filter((l) => !commands.includes(l))).toEqual([]);
  });
});
