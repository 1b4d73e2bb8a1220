/**
 * Issue 11 as a person meets it, through the Data panel's real folder and file inputs: a folder of
 * class folders trains with the image-classifier template and no edits; `labels.csv`
 * (filename,class) is mapped with one click ("Use this dataset's columns"), and the template
 * picker fits a template to the open dataset; a table picked together with its loose images finds
 * them by name; a zip of split and class folders loads; two tables at the top ask which to read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { templates } from '../../templates';
import { classFolders, flatSelection, namedTable } from '../fixtures/layouts';
import { writeFiles } from '../fixtures/photo-sets';
import { storageWith } from './fixtures';
import { assert, openPanel, test, waitFor } from './lib';
import type { Page } from 'playwright-core';

function template(id: string) {
  const t = templates.find((x) => x.id === id);
  if (!t) throw new Error(`no ${id} template`);
  return t.graph;
}

async function ready(page: Page, what: string): Promise<void> {
  await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, what, 60_000);
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusionlab-layouts-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test(
  'class folders: open the folder, train with no edits',
  async ({ page, open, screenshot }) =>
    withDir(async (dir) => {
      const files = classFolders({ rows: 30, size: 24 });
      files.set('.DS_Store', new Uint8Array([0]));
      files.set('circle/notes.txt', new TextEncoder().encode('shot on a phone'));
      writeFiles(dir, files);
      await open();
      await openPanel(page, 'data');
      await page.getByTestId('data-folder-input').setInputFiles(dir);
      await ready(page, 'the class folders are processed');
      const summary = await page.getByTestId('dataset-summary').textContent();
      assert(/class folders: 2 classes of image files/.test(summary ?? ''), `the summary names the layout (${summary})`);
      assert((await page.getByTestId('dataset-loaded').textContent())?.trim() === '30', 'all 30 photos loaded');
      assert((await page.getByTestId('binding-image').textContent())?.includes('image'), 'the image input reads "image"');
      assert((await page.getByTestId('data-fixes').count()) === 0, 'nothing to fix');
      await screenshot('layouts-class-folders');
      await openPanel(page, 'train');
      await page.getByTestId('train-epochs').fill('2');
      await page.getByTestId('btn-train').click();
      await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'training finished', 240_000);
    }),
  { storage: storageWith(template('image-classifier')) },
);

test(
  'labels.csv with filename,class: one click points the graph at its columns; the template picker fits a template',
  async ({ page, open, screenshot }) =>
    withDir(async (dir) => {
      writeFiles(dir, namedTable({ rows: 20, size: 24 }));
      await open();
      await openPanel(page, 'data');
      await page.getByTestId('data-folder-input').setInputFiles(dir);
      await waitFor(async () => (await page.getByTestId('data-fixes').count()) > 0, 'the fixes are offered', 60_000);
      assert((await page.getByTestId('binding-image').textContent())?.includes('missing'), 'the image input names a missing column');
      await page.getByTestId('data-fixes').scrollIntoViewIfNeeded();
      await screenshot('layouts-labels-csv-fixes');
      await page.getByTestId('fix-all').click();
      await ready(page, 'the dataset loads after the fix');
      assert((await page.getByTestId('dataset-loaded').textContent())?.trim() === '20', 'all 20 rows loaded');
      assert((await page.getByTestId('binding-label').textContent())?.includes('class'), 'the head reads "class"');
      await screenshot('layouts-labels-csv-fitted');
      // Undo brings the template's own columns back; the template picker fits it again.
      await page.getByTestId('btn-templates').click();
      await page.getByTestId('template-picker').waitFor();
      assert(await page.getByTestId('template-fit').isChecked(), 'fitting to the open dataset is offered and on');
      await page.getByTestId('template-image-classifier').click();
      await ready(page, 'the fitted template reads the dataset');
      assert((await page.getByTestId('data-fixes').count()) === 0, 'the picked template needs no fix');
    }),
  { storage: storageWith(template('image-classifier')) },
);

test(
  'a table picked with its loose images, a zip of split folders, and two tables to choose from',
  async ({ page, open, screenshot }) =>
    withDir(async (dir) => {
      await open();
      await openPanel(page, 'data');
      // 1. "Open .zip or files…" with samples.csv and the images beside it (no folders).
      const flat = flatSelection({ rows: 12, size: 24 });
      const flatDir = path.join(dir, 'flat');
      writeFiles(flatDir, flat);
      await page.getByTestId('data-file-input').setInputFiles([...flat.keys()].map((p) => path.join(flatDir, p)));
      await ready(page, 'the loose files are processed');
      assert((await page.getByTestId('dataset-loaded').textContent())?.trim() === '12', 'every image was found by name');
      assert(((await page.getByTestId('dataset-problems').textContent()) ?? '').includes('found by file name'), 'one warning says how they were found');
      await screenshot('layouts-flat-selection');
      // 2. A zip of train/validation/test folders holding class folders.
      const zip = path.join(dir, 'shapes.zip');
      await writeFile(zip, zipSync(Object.fromEntries(classFolders({ rows: 24, size: 24, splits: true, wrapper: 'shapes' }))));
      await page.getByTestId('data-file-input').setInputFiles(zip);
      await waitFor(async () => ((await page.getByTestId('dataset-summary').textContent()) ?? '').includes('shapes.zip') && (await page.getByTestId('dataset-ready').count()) > 0, 'the zip is processed', 60_000);
      assert((await page.getByTestId('dataset-loaded').textContent())?.trim() === '24', 'all 24 photos of the zip loaded');
      // 3. Two tables at the top: the panel asks which one.
      const two = namedTable({ rows: 10, size: 24 });
      two.set('other.csv', new TextEncoder().encode('a,b\n1,2\n'));
      const twoDir = path.join(dir, 'two');
      writeFiles(twoDir, two);
      await page.getByTestId('data-folder-input').setInputFiles(twoDir);
      await page.getByTestId('table-picker').waitFor({ timeout: 60_000 });
      await screenshot('layouts-two-tables');
      await page.getByTestId('table-choice').selectOption('labels.csv');
      await page.getByTestId('table-read').click();
      await waitFor(async () => (await page.getByTestId('data-fixes').count()) > 0, 'labels.csv is read', 60_000);
      await page.getByTestId('fix-all').click();
      await ready(page, 'labels.csv loads after the fix');
    }),
  { storage: storageWith(template('image-classifier')) },
);

test('a newcomer on the demo graph opens class folders: one click to a template that fits, and it trains', async ({ page, open, screenshot }) =>
  withDir(async (dir) => {
    writeFiles(dir, classFolders({ rows: 24, size: 24 }));
    await open();
    await openPanel(page, 'data');
    await page.getByTestId('data-folder-input').setInputFiles(dir);
    await page.getByTestId('fitting-templates').waitFor({ timeout: 60_000 });
    await page.getByTestId('fitting-templates').scrollIntoViewIfNeeded();
    await screenshot('layouts-newcomer-templates');
    await page.getByTestId('fit-template-image-classifier').click();
    await ready(page, 'the class folders load for the picked template');
    assert((await page.getByTestId('dataset-loaded').textContent())?.trim() === '24', 'all 24 photos loaded');
    await openPanel(page, 'train');
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('btn-train').click();
    await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'training finished', 240_000);
  }),
);
