import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultTemplate, templateFileIds, templateProblems, templates } from '../templates';

describe('templates/index.ts', () => {
  it('lists every templates/*.json file', () => {
    const files = readdirSync(path.join(__dirname, '..', 'templates'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect([...templateFileIds].sort()).toEqual(files);
  });
  it('every listed template parses, with a name and a description', () => {
    expect(templateProblems).toEqual([]);
    expect(templates.length).toBe(templateFileIds.length);
    for (const t of templates) {
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.description.length).toBeGreaterThan(0);
      expect(t.graph.nodes.length).toBeGreaterThan(0);
    }
  });
  it('the first visit opens the demo template when there is one', () => {
    const d = defaultTemplate();
    expect(d).toBeDefined();
    if (templateFileIds.includes('demo')) expect(d?.id).toBe('demo');
  });
});
