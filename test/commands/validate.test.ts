import { testIo } from '../helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';

import { annotation, validateCommand } from '../../src/commands/validate.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-validate-`);
const bad = `${dir}/bad.yaml`;
writeFileSync(bad, 'version: 1\norganisations:\n  - name: ""\n');

describe('cbsync validate', () => {
  it('exit 0 and a summary for valid files', () => {
    const io = testIo();
    expect(validateCommand(['examples/desired.yaml', 'examples/minimal.yaml'], {}, io)).toBe(0);
    expect(io.out()).toBe('examples/desired.yaml: valid (4 organisations, 4 integrations)\nexamples/minimal.yaml: valid (1 organisation, 1 integration)\n');
  });

  it('exit 1 with FILE:LINE:COL lines when any file is bad', () => {
    const io = testIo();
    expect(validateCommand(['examples/minimal.yaml', bad], {}, io)).toBe(1);
    expect(io.err()).toBe(`${bad}:3:11: organisations[0].name: must not be empty\n${bad}: 1 problem\n`);
  });

  it('--json', () => {
    const io = testIo();
    expect(validateCommand([bad], { json: true }, io)).toBe(1);
    expect(JSON.parse(io.out())).toEqual({
      files: [{ file: bad, valid: false, diagnostics: [{ file: bad, line: 3, col: 11, path: 'organisations[0].name', message: 'must not be empty', severity: 'error' }] }],
    });
  });

  it('GitHub Actions annotations when GITHUB_ACTIONS=true', () => {
    const io = testIo({ GITHUB_ACTIONS: 'true' });
    validateCommand([bad], {}, io);
    expect(io.out()).toBe(`::error file=${bad},line=3,col=11,title=cbsync::organisations[0].name: must not be empty\n`);
  });

  it('annotations escape what the runner would misread', () => {
    expect(annotation({ file: 'a,b:c.yaml', line: 1, col: 2, path: 'p', message: '100% bad\nnext', severity: 'error' })).toBe(
      '::error file=a%2Cb%3Ac.yaml,line=1,col=2,title=cbsync::p: 100%25 bad\\x0anext',
    );
  });

  it('makes no network request (no key, no URL needed)', () => {
    const io = testIo({ CHARGEBACKSTOP_API_URL: 'http://127.0.0.1:1' });
    expect(validateCommand(['examples/desired.yaml'], {}, io)).toBe(0);
  });
});
