import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCatalogue } from '../scripts/readme-catalogue';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('README', () => {
  it('lists the catalogue as the registry has it (run `npm run readme:catalogue` to update)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toBe(withCatalogue(readme));
  });

  it('gives the test command that .ci/run runs', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const command = ci.trim().split('\n').at(-1)!;
    expect(readme).toContain(command);
  });
});
