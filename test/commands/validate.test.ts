import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { annotation, validateCommand } from '../../src/commands/validate.js';
import { testIo } from '../helpers.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-validate-`);
const bad = `${dir}/bad.yaml`;
writeFileSync(bad, 'version: 1\norganisations:\n  - name: ""\n');

describe('cbsync validate', () => {
  it('exit 0 and a summary for a valid file', async () => {
    const io = testIo();
    expect(await validateCommand(['examples/desired.yaml'], {}, io)).toBe(0);
    expect(io.out()).toBe('examples/desired.yaml: valid (4 organisations, 4 integrations)\n');
  });

  it('exit 1 with FILE:LINE:COL lines when a file is bad', async () => {
    const io = testIo();
    expect(await validateCommand([bad], {}, io)).toBe(1);
    expect(io.err()).toBe(`${bad}:3:11: organisations[0].name: must not be empty\n${bad}: 1 problem\n`);
  });

  it('--json', async () => {
    const io = testIo();
    expect(await validateCommand([bad], { json: true }, io)).toBe(1);
    expect(JSON.parse(io.out())).toEqual({
      format_version: 1,
      valid: false,
      files: [],
      organisations: 0,
      integrations: 0,
      diagnostics: [{ file: bad, line: 3, col: 11, path: 'organisations[0].name', message: 'must not be empty', severity: 'error' }],
    });
  });

  it('GitHub Actions annotations when GITHUB_ACTIONS=true, on stderr (stdout may be saved)', async () => {
    const io = testIo({ GITHUB_ACTIONS: 'true' });
    await validateCommand([bad], {}, io);
    expect(io.out()).toBe('');
    expect(io.err()).toContain(`::error file=${bad},line=3,col=11,title=cbsync::organisations[0].name: must not be empty\n`);
  });

  it('annotations escape what the runner would misread', () => {
    expect(annotation({ file: 'a,b:c.yaml', line: 1, col: 2, path: 'p', message: '100% bad\nnext', severity: 'error' })).toBe(
      '::error file=a%2Cb%3Ac.yaml,line=1,col=2,title=cbsync::p: 100%25 bad\\x0anext',
    );
  });

  it('makes no network request (no key, no URL needed)', async () => {
    const io = testIo({ CHARGEBACKSTOP_API_URL: 'http://127.0.0.1:1' });
    expect(await validateCommand(['examples/desired.yaml'], {}, io)).toBe(0);
  });

  it('a directory: its files compose one state', async () => {
    const d = `${dir}/state`;
    mkdirSync(`${d}/teams`, { recursive: true });
    writeFileSync(`${d}/settings.yaml`, 'version: 1\nmode: TEST\n');
    writeFileSync(`${d}/teams/a.yaml`, 'organisations:\n  - name: A\n');
    writeFileSync(`${d}/teams/b.yml`, 'organisations:\n  - name: B\n    integrations: [{name: S, merchant_ids: [m]}]\n');
    const io = testIo();
    expect(await validateCommand([d], {}, io)).toBe(0);
    expect(io.out()).toBe(`${d}: valid (3 files, 2 organisations, 1 integration)\n`);
  });
});
