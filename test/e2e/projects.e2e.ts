/**
 * Issue 12's browser tests: projects in IndexedDB. A trained demo survives a reload (results,
 * charts, settings, the dataset and a model that predicts without retraining); a tab closed
 * mid-training leaves the last completed epoch; a share link opens as a new project and the
 * earlier one stays listed and unchanged; a full quota says so and keeps the previous save; the
 * project list creates, renames, duplicates and deletes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { generateDemoDataset } from '../../engine/data/demo';
import { shareHash } from '../../engine/editor/share';
import { chainGraph } from './fixtures';
import { assert, assertEqual, clickNode, nodeCount, openPanel, predictOnce, RESULTS_DIR, test, waitFor } from './lib';

async function status(page: Page): Promise<string> {
  return (await page.getByTestId('train-status').getAttribute('data-status')) ?? '';
}

async function chartPoints(page: Page, id: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${id}`).getAttribute('data-points')) ?? 0);
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('.app[data-ready="true"]', { timeout: 30_000 });
}

async function projectNames(page: Page): Promise<string[]> {
  await page.getByTestId('btn-projects').click();
  await waitFor(() => page.getByTestId('projects-list').isVisible(), 'the project list');
  const rows = page.getByTestId('project-row');
  const names: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) names.push((await rows.nth(i).getAttribute('data-name')) ?? '');
  return names;
}

test('a trained demo survives a reload: metrics, charts, settings, dataset, and a model that predicts at once', async ({ page, open, screenshot, pageErrors }) => {
  await open();
  await openPanel(page, 'data');
  await page.getByTestId('data-use-demo').click();
  await waitFor(() => page.getByTestId('dataset-ready').isVisible(), 'the demo dataset in the Data panel', 120_000);
  const summary = async () => ((await page.getByTestId('dataset-summary').textContent()) ?? '').replace(/processed in[\d.]+ m?s/, '');
  const datasetBefore = await summary();
  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('4');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await status(page)) === 'finished', 'training finished', 300_000);
  const before = {
    val: await page.getByTestId('metric-val-accuracy').textContent(),
    train: await page.getByTestId('metric-train-accuracy').textContent(),
    points: await chartPoints(page, 'answer-loss'),
  };
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model', 30_000);
  await page.getByTestId('btn-predict-sample').click();
  const first = await predictOnce(page);
  // The last checkpoint (the kept weights) is written after 'done': give it a moment to land.
  await page.waitForTimeout(1_500);

  await reload(page);
  await openPanel(page, 'train');
  await waitFor(async () => (await status(page)) === 'finished', 'the finished run after the reload', 30_000);
  assertEqual(await page.getByTestId('metric-val-accuracy').textContent(), before.val, 'val accuracy after the reload');
  assertEqual(await page.getByTestId('metric-train-accuracy').textContent(), before.train, 'train accuracy after the reload');
  assertEqual(await chartPoints(page, 'answer-loss'), before.points, 'chart points after the reload');
  assertEqual(await page.getByTestId('train-epochs').inputValue(), '4', 'the epochs setting after the reload');
  assert(/Reopened from the project/.test((await page.getByTestId('train-status').textContent()) ?? ''), 'the status says the run was reopened');
  assert(await page.getByTestId('btn-resume').isDisabled(), 'Resume is off for a reopened model');
  await screenshot('projects-train-after-reload');

  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').count()) > 0 && (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the saved model in the Predict panel', 60_000);
  await page.getByTestId('btn-predict-sample').click();
  const again = await predictOnce(page);
  assertEqual(again.note, first.note, 'the same sample');
  for (const [c, p] of Object.entries(first.probs)) assert(Math.abs(again.probs[c] - p) < 1e-5, `probability of ${c} after the reload: ${again.probs[c]} vs ${p}`);

  await openPanel(page, 'data');
  await waitFor(() => page.getByTestId('dataset-ready').isVisible(), 'the dataset after the reload', 120_000);
  assertEqual(await summary(), datasetBefore, 'the dataset summary after the reload');
  await screenshot('projects-data-after-reload');
  assert(pageErrors.length === 0, `no page errors: ${pageErrors.join(' | ')}`);
});

test('a tab closed mid-training asks first, and leaves the last completed epoch', async ({ page, open }) => {
  await open();
  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('200');
  await page.getByTestId('btn-train').click();
  // "epoch 4/200": three epochs are complete, so checkpoints have been saved.
  await waitFor(async () => Number(/epoch (\d+)\//.exec((await page.getByTestId('train-epoch').textContent().catch(() => '')) ?? '')?.[1] ?? 0) >= 4, 'three epochs done', 180_000);
  let asked = false;
  page.on('dialog', (d) => {
    if (d.type() === 'beforeunload') asked = true;
    void d.accept();
  });
  await reload(page);
  assert(asked, 'the browser asked before leaving while training ran');
  await openPanel(page, 'train');
  await waitFor(async () => (await status(page)) === 'stopped', 'the interrupted run as stopped', 30_000);
  const text = (await page.getByTestId('train-status').textContent()) ?? '';
  assert(/saved after epoch \d+/.test(text) && /had not finished/.test(text), `the status names the saved epoch: ${text}`);
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the checkpoint predicts', 60_000);
  await page.getByTestId('btn-predict-sample').click();
  const r = await predictOnce(page);
  assert(Object.keys(r.probs).length === 4, `a prediction from the checkpoint: ${JSON.stringify(r.probs)}`);
});

test('a share link opens as a new project; the earlier project is still listed and unchanged', async ({ page, open, context, baseURL, screenshot }) => {
  await open();
  const n = await nodeCount(page);
  await clickNode(page, 'numbers');
  await page.keyboard.press('Delete');
  await waitFor(async () => (await nodeCount(page)) === n - 1, 'a node removed');
  await page.waitForTimeout(800); // the autosave is debounced

  const tab = await context.newPage();
  const shared = { ...chainGraph(), name: 'Shared chain' };
  await tab.goto(`${baseURL}/${shareHash(shared)}`);
  await tab.waitForSelector('.app[data-ready="true"]');
  await waitFor(async () => (await tab.getByTestId('toolbar-graph-name').textContent()) === 'Shared chain', 'the shared graph in the new tab');
  await tab.close();

  await page.goto(`${baseURL}/`);
  await page.waitForSelector('.app[data-ready="true"]');
  const names = await projectNames(page);
  assert(names.includes('Shared chain') && names.length === 2, `both projects listed: ${names.join(', ')}`);
  await screenshot('projects-list');
  const earlier = page.locator('[data-testid="project-row"][data-current="false"]');
  await earlier.getByTestId('project-open').click();
  await waitFor(async () => (await nodeCount(page)) === n - 1, 'the earlier project, with the node still removed');
  assertEqual(await page.getByTestId('node-numbers').count(), 0, 'the removed node stays removed');
  // Undo steps were kept with it: undo brings the node back.
  await page.getByTestId('btn-undo').click();
  await waitFor(async () => (await nodeCount(page)) === n, 'undo after reopening');
});

test('the project list: new, rename, duplicate, delete; a full quota keeps the previous save', async ({ page, open }) => {
  await open();
  const n = await nodeCount(page);
  await page.getByTestId('btn-projects').click();
  await page.getByTestId('project-new').click();
  await waitFor(async () => (await nodeCount(page)) === 0, 'a blank graph');
  assertEqual(await page.getByTestId('toolbar-graph-name').textContent(), 'Untitled', 'the blank graph has no demo name');
  let names = await projectNames(page);
  assertEqual(names.length, 2, 'two projects');
  const current = page.locator('[data-testid="project-row"][data-current="true"]');
  await current.getByTestId('project-rename').click();
  await page.getByTestId('project-rename-input').fill('Workshop 1');
  await page.getByTestId('project-rename-input').press('Enter');
  await waitFor(async () => (await page.locator('[data-testid="project-row"][data-name="Workshop 1"]').count()) === 1, 'renamed');
  await current.getByTestId('project-duplicate').click();
  await waitFor(async () => (await page.getByTestId('project-row').count()) === 3, 'duplicated');
  page.on('dialog', (d) => void d.accept());
  await page.locator('[data-testid="project-row"][data-name="Workshop 1 (copy)"]').getByTestId('project-delete').click();
  await waitFor(async () => (await page.getByTestId('project-row').count()) === 2, 'deleted');
  assert(/\d+ projects?, [\d.]+ (B|KB|MB) stored/.test((await page.getByTestId('projects-total').textContent()) ?? ''), 'the total storage is shown');
  await page.keyboard.press('Escape');

  // Back to the demo project, then a full quota on the next save.
  names = await projectNames(page);
  await page.locator('[data-testid="project-row"][data-current="false"]').getByTestId('project-open').click();
  await waitFor(async () => (await nodeCount(page)) === n, 'the demo project again');
  await page.waitForTimeout(800);
  await page.evaluate(() => (window as unknown as { __fusionlabProjects: { failNextWrite(): void } }).__fusionlabProjects.failNextWrite());
  await clickNode(page, 'numbers');
  await page.keyboard.press('Delete');
  await waitFor(() => page.getByTestId('storage-error').isVisible(), 'the storage message');
  assert(/storage for this site is full/.test((await page.getByTestId('storage-error').textContent()) ?? ''), 'the message says the storage is full');
  // The aborted write left the previous save: a reload shows the graph before the failed save.
  await reload(page);
  await waitFor(async () => (await nodeCount(page)) === n, 'the previous save after the quota error');
});

test('a project file round trip: app → .fusionlab → app, and → fusionlab predict, with the same probabilities', async ({ page, open, screenshot }) => {
  await open();
  await openPanel(page, 'data');
  await page.getByTestId('data-use-demo').click();
  await waitFor(() => page.getByTestId('dataset-ready').isVisible(), 'the demo dataset', 120_000);
  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('3');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await status(page)) === 'finished', 'training finished', 300_000);
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model', 30_000);
  await page.getByTestId('btn-predict-sample').click();
  const first = await predictOnce(page);
  await page.waitForTimeout(1_500); // the final checkpoint lands

  await page.getByTestId('btn-projects').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('project-download').click()]);
  const file = path.join(RESULTS_DIR, 'projects-demo.fusionlab');
  await download.saveAs(file);
  await page.keyboard.press('Escape');
  const entries = Object.keys(unzipSync(new Uint8Array(readFileSync(file))));
  for (const e of ['project.json', 'results.json', 'model.json', 'weights.bin', 'fitted.json']) assert(entries.includes(e), `${e} in the project file (${entries.join(', ')})`);

  // Back in the app as a new project (a blank one is open first, so nothing is carried over).
  await page.getByTestId('btn-projects').click();
  await page.getByTestId('project-new').click();
  await waitFor(async () => (await nodeCount(page)) === 0, 'a blank project');
  await page.getByTestId('file-input').setInputFiles(file);
  await waitFor(async () => (await nodeCount(page)) === 11, 'the project file\'s graph');
  await openPanel(page, 'train');
  await waitFor(async () => (await status(page)) === 'finished', 'its results', 30_000);
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'its model', 60_000);
  await page.getByTestId('btn-predict-sample').click();
  const again = await predictOnce(page);
  assertEqual(again.note, first.note, 'the same sample');
  for (const [c, p] of Object.entries(first.probs)) assert(Math.abs(again.probs[c] - p) < 1e-5, `${c} from the reopened file: ${again.probs[c]} vs ${p}`);
  await screenshot('projects-file-reopened');

  // The CLI predicts the same sample from the same file.
  const id = first.note.replace(/^Sample /, '').split(' ')[0];
  const demo = generateDemoDataset({ seed: 1, rows: 2000 });
  const csv = new TextDecoder().decode(demo.files.get('samples.csv'));
  const [header, ...lines] = csv.trim().split('\n');
  const cols = header.split(',');
  const row = lines.map((l) => l.split(',')).find((r) => r[cols.indexOf('id')] === id);
  assert(row, `sample ${id} in the demo's samples.csv`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fl-proj-'));
  const inputs: string[] = [];
  for (const [i, c] of cols.entries()) {
    if (c === 'id' || c === 'split' || c === 'label') continue;
    const bytes = demo.files.get(row[i]);
    if (bytes) {
      const p = path.join(dir, path.basename(row[i]));
      writeFileSync(p, bytes);
      inputs.push('--input', `${c}=${p}`);
    } else inputs.push('--input', `${c}=${row[i]}`);
  }
  const cli = spawnSync(process.execPath, [path.resolve('bin/fusionlab.mjs'), 'predict', file, ...inputs, '--json'], { encoding: 'utf8', timeout: 180_000 });
  await rm(dir, { recursive: true, force: true });
  assert(cli.status === 0, `fusionlab predict on the project file: ${cli.stderr}`);
  const out = JSON.parse(cli.stdout) as { primary: string; outputs: { nodeId: string; probabilities?: Record<string, number> }[] };
  const probs = out.outputs.find((o) => o.nodeId === out.primary)?.probabilities ?? {};
  for (const [c, p] of Object.entries(first.probs)) assert(Math.abs((probs[c] ?? NaN) - p) < 1e-5, `${c} from the CLI: ${probs[c]} vs ${p}`);

  // A bundle opened in the Predict panel becomes the project's model: a reload keeps it.
  await page.getByTestId('btn-projects').click();
  await page.getByTestId('project-new').click();
  await waitFor(async () => (await nodeCount(page)) === 0, 'another blank project');
  await openPanel(page, 'predict');
  await page.getByTestId('input-open-bundle').setInputFiles(file);
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the opened bundle', 60_000);
  await page.waitForTimeout(800);
  await reload(page);
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the opened bundle after a reload', 60_000);
  await page.getByTestId('btn-predict-sample').click();
  const kept = await predictOnce(page);
  for (const [c, p] of Object.entries(first.probs)) assert(Math.abs(kept.probs[c] - p) < 1e-5, `${c} from the kept bundle: ${kept.probs[c]} vs ${p}`);
});

test('named versions: save one, change the graph, restore it (undo goes back), and it survives a reload', async ({ page, open }) => {
  await open();
  const n = await nodeCount(page);
  await page.getByTestId('btn-projects').click();
  await page.getByTestId('version-name').fill('Before the change');
  await page.getByTestId('version-save').click();
  await waitFor(async () => (await page.locator('[data-testid="version-row"][data-name="Before the change"]').count()) === 1, 'the version listed');
  await page.keyboard.press('Escape');
  await clickNode(page, 'numbers');
  await page.keyboard.press('Delete');
  await waitFor(async () => (await nodeCount(page)) === n - 1, 'a node removed');
  await page.waitForTimeout(800);
  await reload(page);
  await page.getByTestId('btn-projects').click();
  await page.locator('[data-testid="version-row"][data-name="Before the change"]').getByTestId('version-restore').click();
  await waitFor(async () => (await nodeCount(page)) === n, 'the version restored');
  await page.getByTestId('btn-undo').click();
  await waitFor(async () => (await nodeCount(page)) === n - 1, 'undo brings back the graph before the restore');
});

test('a training worker killed mid-epoch leaves the last completed epoch in the project', async ({ page, open }) => {
  await open();
  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('200');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => Number(/epoch (\d+)\//.exec((await page.getByTestId('train-epoch').textContent().catch(() => '')) ?? '')?.[1] ?? 0) >= 4, 'three epochs done', 180_000);
  await page.evaluate(() => (window as unknown as { __fusionlabTrain: { debug(a: string): void } }).__fusionlabTrain.debug('crash'));
  await waitFor(async () => (await status(page)) === 'failed', 'the worker crash reported', 30_000);
  await page.waitForTimeout(500);
  await reload(page);
  await openPanel(page, 'train');
  await waitFor(async () => (await status(page)) === 'stopped', 'the interrupted run as stopped', 30_000);
  const text = (await page.getByTestId('train-status').textContent()) ?? '';
  const epoch = Number(/saved after epoch (\d+)/.exec(text)?.[1] ?? 0);
  assert(epoch >= 3, `the model of a completed epoch was kept: ${text}`);
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the checkpoint predicts', 60_000);
  await page.getByTestId('btn-predict-sample').click();
  const r = await predictOnce(page);
  assert(Object.keys(r.probs).length === 4, `a prediction from the checkpoint: ${JSON.stringify(r.probs)}`);
});
