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

describe('README limits', () => {
  it('quotes the limits the code enforces', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Limits'), readme.indexOf('## Predicting in the app'));
    const { DEFAULT_MODEL_LIMITS } = await import('../engine/model-size');
    const { DEFAULT_LIMITS } = await import('../engine/data/problems');
    const { MAX_GRAPH_DEPTH } = await import('../engine/graph');
    const { MIN_WAV_RATE, MAX_WAV_RATE, MAX_WAV_CHANNELS } = await import('../engine/data/wav');
    const { MAX_TEXT_CHARS } = await import('../engine/data/featurise-core');
    const { MAX_TOKENS_PER_CELL } = await import('../engine/data/text');
    const { DEFAULT_MODEL_JSON_LIMITS } = await import('../engine/model-json');
    const { PROJECT_LIMITS } = await import('../engine/project/project');
    const n = (x: number) => x.toLocaleString('en-US');
    const rows = section.split('\n');
    const row = (start: string) => rows.find((r) => r.startsWith(`| ${start}`)) ?? '';
    expect(row('model parameters')).toContain(n(DEFAULT_MODEL_LIMITS.maxParams));
    expect(row('activation values')).toContain(n(DEFAULT_MODEL_LIMITS.maxActivationsPerSample));
    expect(row('longest chain')).toContain(`| ${MAX_GRAPH_DEPTH} |`);
    expect(row('rows')).toContain(n(DEFAULT_LIMITS.maxRows));
    expect(row('image pixels')).toContain(n(DEFAULT_LIMITS.maxImagePixels));
    expect(row('a zip')).toContain(`${n(DEFAULT_LIMITS.maxArchiveEntries)} / ${DEFAULT_LIMITS.maxArchiveExpandedBytes / 2 ** 30} GB`);
    expect(row('one dataset file')).toContain(`${DEFAULT_LIMITS.maxFileBytes / 2 ** 20} MB`);
    expect(row('manifest')).toContain(`${DEFAULT_LIMITS.maxManifestBytes / 2 ** 20} MB`);
    expect(row('WAV')).toContain(`${n(MIN_WAV_RATE)}–${n(MAX_WAV_RATE)} Hz / 1–${MAX_WAV_CHANNELS}`);
    expect(row('text cell')).toContain(`${n(MAX_TEXT_CHARS)} characters tokenised, ${n(MAX_TOKENS_PER_CELL)} tokens`);
    expect(row('JSON')).toContain(`nesting ${DEFAULT_MODEL_JSON_LIMITS.maxJsonDepth}, about ${n(DEFAULT_MODEL_JSON_LIMITS.maxJsonValues)} values`);
    expect(row('`model.json`')).toContain(`${n(DEFAULT_MODEL_JSON_LIMITS.maxLayers)} layers, ${n(DEFAULT_MODEL_JSON_LIMITS.maxLayerDepth)} deep`);
    expect(row('`model.json`')).toContain(`${n(DEFAULT_MODEL_JSON_LIMITS.maxWeights)} weights`);
    expect(row('project')).toContain(`${PROJECT_LIMITS.historySteps} undo steps, ${PROJECT_LIMITS.versions} named versions`);
  });
});
