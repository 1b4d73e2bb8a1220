/**
 * Issue 4's browser tests: the Data panel on the production build. The demo dataset, an upload of
 * a damaged slice of ../shared/datasets/avmnist (folder and zip), the inspector's column pickers,
 * and parity of the browser decoders + featurisers with the Node path on the same PNG and WAV files.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { zipSync } from 'fflate';
import { loadDataset, parseManifest, writeCsv } from '../../engine/data';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { directorySource } from '../../engine/data/node-source';
import { serializeGraph, type GraphDoc } from '../../engine/graph';
import { AUTOSAVE_KEY } from '../../engine/editor/storage';
import { registry } from '../../nodes';
import { templates } from '../../templates';
import { assert, assertEqual, clickNode, test, waitFor } from './lib';

const AVMNIST = path.resolve(process.cwd(), '..', 'shared', 'datasets', 'avmnist');
const TEST_QUERY = '?fusionlab-test';

function template(id: string): GraphDoc {
  const t = templates.find((x) => x.id === id);
  if (!t) throw new Error(`no template ${id}`);
  return t.graph;
}
const avGraph = template('avmnist');
const avStorage = { [AUTOSAVE_KEY]: serializeGraph(avGraph) };

/** 30 rows of AV-MNIST (3 per digit, train and test) with five damaged rows, as a folder. */
async function damagedSlice(): Promise<{ dir: string; damaged: { row: number; code: string; column?: string }[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fl-e2e-data-'));
  const root = path.join(dir, 'avmnist-slice');
  const m = parseManifest(await readFile(path.join(AVMNIST, 'samples.csv'), 'utf8'), 'samples.csv');
  const col = (name: string) => m.columns.indexOf(name);
  const rows: string[][] = [];
  for (let d = 0; d < 10; d++) {
    const ofDigit = m.rows.filter((r) => r.values[col('label')] === String(d));
    rows.push(...ofDigit.filter((r) => r.values[col('split')] === 'train').slice(0, 2).map((r) => [...r.values]));
    rows.push([...(ofDigit.find((r) => r.values[col('split')] === 'test') as (typeof m.rows)[number]).values]);
  }
  await mkdir(path.join(root, 'images'), { recursive: true });
  await mkdir(path.join(root, 'audio'), { recursive: true });
  for (const r of rows) {
    await copyFile(path.join(AVMNIST, r[col('image')]), path.join(root, r[col('image')]));
    await copyFile(path.join(AVMNIST, r[col('audio')]), path.join(root, r[col('audio')]));
  }
  // Row 3: a truncated WAV. Row 5: a missing PNG. Row 7: a bad label. Row 9: a broken CSV line.
  // Row 11: a duplicate id.
  const wavPath = path.join(root, rows[2][col('audio')]);
  const wav = await readFile(wavPath);
  await writeFile(wavPath, wav.subarray(0, Math.floor(wav.length / 2)));
  await rm(path.join(root, rows[4][col('image')]));
  rows[6][col('label')] = 'banana';
  rows[10][col('id')] = rows[1][col('id')];
  const lines = writeCsv(m.columns, rows).split('\n');
  lines[9] = `${rows[8][col('id')]},${rows[8][col('image')]}`;
  await writeFile(path.join(root, 'samples.csv'), lines.join('\n'));
  return {
    dir: root,
    damaged: [
      { row: 3, code: 'undecodable', column: 'audio' },
      { row: 5, code: 'missing-file', column: 'image' },
      { row: 7, code: 'unknown-label', column: 'label' },
      { row: 9, code: 'broken-line' },
      { row: 11, code: 'duplicate-id', column: 'id' },
    ],
  };
}

async function zipFolder(dir: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (d: string, rel: string) => {
    const { readdir } = await import('node:fs/promises');
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else files[`${path.basename(dir)}/${r}`] = new Uint8Array(await readFile(path.join(d, e.name)));
    }
  };
  await walk(dir, '');
  return zipSync(files);
}

async function summaryNumber(page: import('playwright-core').Page, id: string): Promise<number> {
  const t = await page.getByTestId(id).textContent();
  return Number((t ?? '').replace(/,/g, ''));
}

test('the demo dataset: opens by itself with the demo template, summary, classes, previews', async ({ page, open, screenshot }) => {
  await open(TEST_QUERY);
  await page.getByTestId('dock-tab-data').waitFor();
  // First visit shows the demo template, and the demo dataset is generated and processed at once.
  await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the demo dataset is ready', 90_000);
  const summary = page.getByTestId('dataset-summary');
  assert(await summary.isVisible(), 'the summary is visible');
  assertEqual(await summaryNumber(page, 'dataset-rows'), 2000, 'demo rows');
  assertEqual(await summaryNumber(page, 'dataset-loaded'), 2000, 'every demo row loads');
  assertEqual(await summaryNumber(page, 'dataset-classes'), 4, 'four classes (match/mismatch × low/high)');
  assertEqual(await summaryNumber(page, 'dataset-problem-count'), 0, 'no problems');
  assert((await page.locator('[data-testid="class-balance"] .class-bar').count()) === 4, 'a bar per class');
  assert((await page.getByTestId('sample-preview').count()) >= 4, 'sample previews');
  await waitFor(async () => (await page.getByTestId('preview-image').first().evaluate((i) => (i as HTMLImageElement).naturalWidth)) === 32, 'a decoded 32×32 thumbnail');
  assert((await page.getByTestId('preview-spectrogram').count()) >= 4, 'spectrograms of the tones');
  assert((await page.getByTestId('preview-audio').count()) >= 4, 'an audio player per sample');
  assert(/caption/.test((await page.getByTestId('sample-preview').first().textContent()) ?? ''), 'the caption text is in the preview');
  // The tensors the training panel reads: the loader's own shapes.
  const shape = await page.evaluate(() => {
    const t = window.__fusionlabTest?.tensors();
    return t ? { train: t.splits.train.ids.length, picture: t.splits.train.inputs.picture.length, classes: t.classes.answer } : null;
  });
  assert(shape && shape.picture === shape.train * 16 * 16, `picture tensors are 16×16×1 per sample: ${JSON.stringify(shape)}`);
  assertEqual(shape?.classes, ['match-high', 'match-low', 'mismatch-high', 'mismatch-low'], 'class names from the data');
  await screenshot('data-demo');
  // The same dataset as a zip in the upload format.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('data-download-demo').click()]);
  assertEqual(download.suggestedFilename(), 'fusionlab-demo.zip', 'zip name');
  // The app and the CLI generate the same demo dataset from the same seed, byte for byte.
  const work = await mkdtemp(path.join(tmpdir(), 'fusionlab-demo-'));
  try {
    const fromApp = path.join(work, 'app.zip');
    const fromCli = path.join(work, 'cli.zip');
    await download.saveAs(fromApp);
    const root = path.resolve(import.meta.dirname, '../..');
    const cli = spawnSync(process.execPath, [path.join(root, 'bin/fusionlab.mjs'), 'data', 'demo', fromCli, '--seed', '1'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assertEqual(cli.status, 0, `fusionlab data demo: ${cli.stderr}`);
    const [a, b] = await Promise.all([readFile(fromApp), readFile(fromCli)]);
    assert(a.length > 100_000 && a.equals(b), `the app's demo zip (${a.length} bytes) equals the CLI's (${b.length} bytes)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('upload a damaged AV-MNIST folder: problems listed with their rows, the rest loads; column pickers; parity with Node', async ({ page, open, screenshot }) => {
  const { dir, damaged } = await damagedSlice();
  try {
    await open(TEST_QUERY);
    await page.getByTestId('data-folder-input').setInputFiles(dir);
    await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the upload is processed', 60_000);
    assertEqual(await summaryNumber(page, 'dataset-rows'), 30, 'rows');
    assertEqual(await summaryNumber(page, 'dataset-loaded'), 25, 'every undamaged row loads');
    assertEqual(await summaryNumber(page, 'dataset-skipped'), 5, 'damaged rows are skipped and counted');
    const listed = await page.getByTestId('dataset-problem').evaluateAll((els) => els.map((e) => ({ row: Number(e.getAttribute('data-row')), code: e.getAttribute('data-code') })));
    for (const d of damaged) assert(listed.some((l) => l.row === d.row && l.code === d.code), `row ${d.row} is listed as ${d.code}: ${JSON.stringify(listed)}`);
    assertEqual(listed.length, damaged.length, 'one problem per damaged row');
    await screenshot('data-avmnist-damaged');

    // The inspector's column pickers list the dataset's columns.
    await clickNode(page, 'image');
    const options = await page.locator('[data-testid="param-column"]').evaluate((el) => {
      const list = (el as HTMLInputElement).list;
      return list ? Array.from(list.options).map((o) => o.value) : [];
    });
    assertEqual(options, ['id', 'image', 'audio', 'label', 'split'], 'column picker options');

    // Parity: the browser path (worker: createImageBitmap + OffscreenCanvas, WAV parser, shared
    // featurisers) against the Node path (pngjs, WAV parser, same featurisers) on the same files.
    const browser = await page.evaluate(() => window.__fusionlabTest?.tensors() ?? null);
    assert(browser?.ok, 'the browser tensors are there');
    const node = await loadDataset(directorySource(dir), { graph: avGraph, registry, adapter: createNodeAdapter() });
    assert(node.ok, 'the Node loader loads the same folder');
    assert(node.splits.train.count === 17 && node.splits.test.count === 8, `train and test rows to compare: ${node.splits.train.count}, ${node.splits.test.count}`);
    for (const split of ['train', 'val', 'test'] as const) {
      assertEqual(browser.splits[split].ids, node.splits[split].ids, `${split} ids`);
      for (const inp of node.inputs) {
        const a = browser.splits[split].inputs[inp.nodeId];
        const b = node.splits[split].inputs[inp.nodeId];
        assertEqual(a.length, b.length, `${split} ${inp.nodeId} length`);
        let lo = Infinity;
        let hi = -Infinity;
        let maxDiff = 0;
        for (let i = 0; i < b.length; i++) {
          lo = Math.min(lo, b[i]);
          hi = Math.max(hi, b[i]);
          maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        if (b.length === 0) continue; // an empty split (this slice has no val rows)
        const range = hi > lo ? hi - lo : 1;
        assert(maxDiff <= 1e-3 * range, `${split} ${inp.nodeId}: browser and Node differ by ${maxDiff} (range ${range})`);
      }
      for (const h of node.heads) assertEqual(browser.splits[split].labels[h.nodeId], Array.from(node.splits[split].labels[h.nodeId]), `${split} labels`);
    }
    // The worker reads non-interlaced PNGs with a pure decoder; createImageBitmap + OffscreenCanvas
    // (every other image) must agree with pngjs on the same files too.
    const { readdir } = await import('node:fs/promises');
    const names = (await readdir(path.join(dir, 'images'))).slice(0, 8);
    const b64 = await Promise.all(names.map(async (n) => (await readFile(path.join(dir, 'images', n))).toString('base64')));
    const viaBitmap = await page.evaluate((f) => window.__fusionlabTest?.imagesViaBitmap(f) ?? null, b64);
    assert(viaBitmap && viaBitmap.length === names.length, 'createImageBitmap decoded every image');
    const { decodeImageNode } = await import('../../engine/data/node-decoders');
    const { featuriseImage } = await import('../../engine/data/image');
    const p = { height: 28, width: 28, channels: 1 as const, resize: 'stretch' as const, normalise: 'unit' as const };
    for (let i = 0; i < names.length; i++) {
      const a = featuriseImage({ width: viaBitmap[i].width, height: viaBitmap[i].height, channels: 4, data: Uint8Array.from(viaBitmap[i].data) }, p);
      const b = featuriseImage(await decodeImageNode(new Uint8Array(await readFile(path.join(dir, 'images', names[i])))), p);
      let maxDiff = 0;
      for (let k = 0; k < b.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
      assert(maxDiff <= 1e-3, `${names[i]}: createImageBitmap and pngjs features differ by ${maxDiff} (range 1)`);
    }
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
}, { storage: avStorage });

test('a zip upload loads like the folder; a head with the wrong class count gets a one-click fix', async ({ page, open }) => {
  const { dir } = await damagedSlice();
  const zipPath = path.join(path.dirname(dir), 'slice.zip');
  try {
    await writeFile(zipPath, await zipFolder(dir));
    await open(TEST_QUERY);
    await page.getByTestId('data-file-input').setInputFiles(zipPath);
    await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the zip is processed', 60_000);
    assertEqual(await summaryNumber(page, 'dataset-loaded'), 25, 'the same rows load from the zip');
    // A head that expects 7 classes: the panel says so and fixes it.
    await clickNode(page, 'digit');
    await page.getByTestId('param-classes').fill('7');
    await waitFor(() => page.getByTestId('fix-classes-digit').isVisible(), 'the class-count fix is offered', 30_000);
    await page.getByTestId('fix-classes-digit').click();
    await waitFor(async () => (await page.getByTestId('param-classes').inputValue()) === '10', 'classes set to 10');
    await waitFor(async () => (await page.getByTestId('fix-classes-digit').count()) === 0, 'no mismatch left', 30_000);
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
}, { storage: avStorage });
