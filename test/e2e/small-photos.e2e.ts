/**
 * Issue 10 as a person meets it: a folder of 60 generated photos of squares and circles with
 * captions, the "Image + caption, gated fusion" template at its defaults (image CNN with batch
 * norm). Load the folder in the Data panel, Train with the panel's defaults, and the readouts
 * (inference mode, as saved) are high on train and validation, no collapse warning appears, and
 * the Predict panel answers a training photo of each class correctly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { templates } from '../../templates';
import { photoSet, writeFiles } from '../fixtures/photo-sets';
import { storageWith } from './fixtures';
import { assert, openPanel, predictOnce, test, waitFor } from './lib';

function gatedTemplate() {
  const t = templates.find((x) => x.id === 'image-text-gated');
  if (!t) throw new Error('no image-text-gated template');
  return t.graph;
}

test('small photo set: train at the defaults, the model predicts what it reports (batch norm in inference mode)', async ({ page, open, screenshot }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusionlab-photos-'));
  const set = photoSet({ rows: 60 });
  writeFiles(dir, set.files);
  try {
    await open();
    await openPanel(page, 'data');
    await page.getByTestId('data-folder-input').setInputFiles(dir);
    await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the folder is processed', 60_000);

    await openPanel(page, 'train');
    // The panel's defaults, the same as the CLI's.
    assert((await page.getByTestId('train-epochs').inputValue()) === '15', 'epochs default 15');
    assert(Number(await page.getByTestId('train-learningRate').inputValue()) === 0.003, 'learning rate default 0.003');
    await page.getByTestId('train-seed').fill('3');
    await page.getByTestId('btn-train').click();
    await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'training finished', 300_000);
    const trainAcc = Number(await page.getByTestId('metric-train-accuracy').textContent());
    const valAcc = Number(await page.getByTestId('metric-val-accuracy').textContent());
    console.log(`  as saved: train accuracy ${trainAcc}, val accuracy ${valAcc}`);
    assert(await page.getByTestId('metric-mode').isVisible(), 'the readouts say they are measured as the model is saved');
    assert(trainAcc >= 0.9, `train accuracy in inference mode ≥ 0.9 (${trainAcc})`);
    assert(valAcc >= 0.9, `val accuracy ≥ 0.9 (${valAcc})`);
    assert((await page.getByTestId('train-warning-collapsed').count()) === 0, 'no collapse warning');
    await screenshot('small-photos-trained');

    // Predict two training photos, one of each class, from the files themselves.
    await openPanel(page, 'predict');
    await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model in the Predict panel', 30_000);
    const captions = new Map(
      new TextDecoder()
        .decode(set.files.get('samples.csv'))
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map((c) => [c[0], c[2]] as const),
    );
    for (const row of [set.rows[0], set.rows[1]]) {
      await page.getByTestId('predict-field-image').setInputFiles(path.join(dir, 'images', `${row.id}.png`));
      await page.getByTestId('predict-field-caption').fill(captions.get(row.id) ?? '');
      const r = await predictOnce(page);
      console.log(`  ${row.id} (${row.shape}): predicted ${r.predicted} ${JSON.stringify(r.probs)}`);
      assert(r.predicted === row.shape, `training photo ${row.id} predicted ${row.shape}, not ${r.predicted}`);
    }
    await screenshot('small-photos-predict');

    // A run that learns nothing (a learning rate of 1e-6 for one epoch) is called what it is.
    await openPanel(page, 'train');
    await page.getByTestId('train-learningRate').fill('0.000001');
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('btn-train').click();
    await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'the second run finished', 120_000);
    const warning = (await page.getByTestId('train-warning-no-better-than-baseline').textContent()) ?? '';
    console.log(`  warning: ${warning}`);
    assert(/no better than always answering the most common class/.test(warning), `a plain-words warning: ${warning}`);
    await screenshot('small-photos-warning');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, { storage: storageWith(gatedTemplate()) });
