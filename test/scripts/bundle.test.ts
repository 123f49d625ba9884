import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_DIR, bundle } from '../../src/scripts/bundle.js';

// The action runs the bundle committed in action/: it must be what the sources and the locked
// dependencies build today. When this fails, run `npm run bundle` and commit action/.

describe('the committed action bundle', () => {
  const building = bundle(process.cwd());

  it('is up to date with src/ and package-lock.json', async () => {
    const built = await building;
    expect(readdirSync(BUNDLE_DIR).sort()).toEqual([...built.keys()].sort());
    for (const [name, text] of built) {
      const committed = readFileSync(`${BUNDLE_DIR}/${name}`, 'utf8');
      // a short message, not a megabyte of diff
      expect(committed === text, `${BUNDLE_DIR}/${name} is out of date: run \`npm run bundle\` and commit ${BUNDLE_DIR}/`).toBe(true);
    }
  });

  it('holds no machine path and names every bundled package with its licence', async () => {
    const built = await building;
    for (const text of built.values()) expect(text).not.toContain(process.cwd());
    const licences = built.get('licenses.txt')!;
    for (const dep of ['commander', 'yaml', 'ofetch', 'p-limit']) expect(licences).toMatch(new RegExp(`^${dep}@\\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    expect(licences).not.toMatch(/^(vitest|typescript|rolldown)@/m);
  });
});
