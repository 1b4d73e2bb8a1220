/**
 * Issue 5's inference tests: train the demo, predict one sample in the Predict panel (class
 * probabilities, the sample's label, saliency over the picture and the spectrogram), download the
 * bundle, reload the page, open the bundle and predict the same sample again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { generateDemoDataset } from '../../engine/data/demo';
import type { GraphDoc } from '../../engine/graph';
import { storageWith } from './fixtures';
import type { Page } from 'playwright-core';
import { assert, nodeCount, openPanel, predictOnce, probabilities, RESULTS_DIR, tallDock, test, waitFor } from './lib';

/** Pixels of a canvas that are not plain gray (heat drawn over the input), and how many differ at all. */
async function canvasStats(page: Page, testId: string): Promise<{ coloured: number; distinct: number; total: number }> {
  return page.getByTestId(testId).evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    if (!d) return { coloured: 0, distinct: 0, total: 0 };
    let coloured = 0;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[i + 1]) > 8 || Math.abs(d[i + 1] - d[i + 2]) > 8) coloured++;
      seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return { coloured, distinct: seen.size, total: d.length / 4 };
  });
}


test('predict: one sample gives probabilities and saliency; a downloaded bundle opened after a reload predicts the same', async ({ page, open, screenshot, pageErrors }) => {
  await open();
  await openPanel(page, 'predict');
  // Before training there is no model: the panel says what to do.
  await waitFor(async () => /No model to predict with yet/.test((await page.getByTestId('predict-panel').textContent()) ?? ''), 'the empty state', 60_000);

  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('15');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'training finished', 420_000);
  console.log(`  val accuracy after training: ${await page.getByTestId('metric-val-accuracy').textContent()}`);

  // Predict: the trained model's fields, one sample from the (demo) dataset.
  await openPanel(page, 'predict');
  await tallDock(page);
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model in the Predict panel', 30_000);
  for (const id of ['picture', 'caption', 'tone', 'numbers']) assert(await page.getByTestId(`predict-input-${id}`).isVisible(), `a field for input ${id}`);
  for (const col of ['image', 'caption', 'audio', 'temperature', 'count']) assert((await page.getByTestId(`predict-field-${col}`).count()) === 1, `a control for column ${col}`);

  const firstSample = async () => {
    await page.getByTestId('btn-predict-sample').click();
    await waitFor(() => page.getByTestId('predict-preview-image').isVisible(), 'the image preview');
  };
  await firstSample();
  assert(((await page.getByTestId('predict-field-caption').inputValue()) ?? '').length > 0, 'the caption is filled in');
  const first = await predictOnce(page);
  const classes = Object.keys(first.probs).sort();
  assert(JSON.stringify(classes) === JSON.stringify(['match-high', 'match-low', 'mismatch-high', 'mismatch-low']), `class names from the fitted state: ${classes.join(', ')}`);
  const sum = Object.values(first.probs).reduce((a, b) => a + b, 0);
  assert(Math.abs(sum - 1) < 1e-3, `probabilities sum to 1 (${sum})`);
  console.log(`  ${first.note}: predicted ${first.predicted} (label ${first.label}) ${JSON.stringify(first.probs)}`);

  // Saliency over the picture and the spectrogram: drawn, with heat.
  for (const id of ['picture', 'tone']) {
    const s = await canvasStats(page, `predict-saliency-${id}`);
    assert(s.total > 0 && s.distinct > 8 && s.coloured > 0, `saliency canvas ${id} is drawn with heat: ${JSON.stringify(s)}`);
  }
  await page.getByTestId('panel-predict').evaluate((el) => el.scrollTo(0, 0));
  await screenshot('predict-panel-trained');

  // Attribution: what each input counted for in this answer (mask-based), shares summing to 1.
  const attribution = page.getByTestId('predict-attribution');
  assert(await attribution.isVisible(), 'the attribution section is shown');
  let shares = 0;
  const counted: string[] = [];
  for (const id of ['picture', 'caption', 'tone', 'numbers']) {
    const cell = page.getByTestId(`predict-contribution-${id}`);
    const v = Number(await cell.getAttribute('data-value'));
    const s = Number(await cell.getAttribute('data-share'));
    assert(Number.isFinite(v) && s >= 0 && s <= 1, `a contribution for ${id}: ${v} (share ${s})`);
    shares += s;
    counted.push(`${id} ${(100 * v).toFixed(1)} pts`);
  }
  assert(Math.abs(shares - 1) < 1e-3, `the shares sum to 1 (${shares})`);
  console.log(`  attribution: ${counted.join(' · ')}`);
  await attribution.scrollIntoViewIfNeeded();
  await screenshot('predict-attribution');

  // More samples: a well-trained demo model gets clear samples right.
  let right = first.predicted === first.label ? 1 : 0;
  for (let i = 0; i < 3; i++) {
    await page.getByTestId('btn-predict-sample').click();
    const r = await predictOnce(page);
    console.log(`  ${r.note}: predicted ${r.predicted} (label ${r.label})`);
    if (r.predicted === r.label) right++;
  }
  assert(right >= 3, `at least 3 of 4 test samples predicted right (${right})`);

  // Download the bundle from the Train panel.
  await openPanel(page, 'train');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('btn-bundle').click()]);
  const file = path.join(RESULTS_DIR, 'predict-demo.fusionlab.zip');
  await download.saveAs(file);

  // A reload keeps the project: the saved model predicts the same sample again, without retraining.
  await page.reload();
  await page.waitForSelector('.app[data-ready="true"]', { timeout: 30_000 });
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the project\'s saved model after the reload', 60_000);
  await firstSample();
  const reloaded = await predictOnce(page);
  assert(reloaded.note === first.note, `the same sample after the reload (${reloaded.note} vs ${first.note})`);
  for (const c of classes) assert(Math.abs(reloaded.probs[c] - first.probs[c]) < 1e-5, `same probability for ${c} after the reload: ${reloaded.probs[c]} vs ${first.probs[c]}`);

  // A new blank project: no model, no nodes; the bundle's graph then visibly comes back.
  await page.getByTestId('btn-projects').click();
  await page.getByTestId('project-new').click();
  await waitFor(async () => (await nodeCount(page)) === 0, 'a blank graph in the new project');
  await openPanel(page, 'predict');
  await tallDock(page);
  await waitFor(async () => /No model to predict with yet/.test((await page.getByTestId('predict-panel').textContent()) ?? ''), 'no model in the new project', 60_000);

  // A file that is not a bundle: a message, not a crash.
  await page.getByTestId('input-open-bundle').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') });
  await waitFor(async () => /not a FusionLab bundle/.test((await page.getByTestId('predict-error').textContent().catch(() => '')) ?? ''), 'a message for a bad bundle', 30_000);

  await page.getByTestId('input-open-bundle').setInputFiles(file);
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'bundle', 'the bundle opened', 60_000);
  await waitFor(async () => (await nodeCount(page)) === 11 && (await page.getByTestId('node-numbers').count()) === 1, 'the bundle\'s graph on the canvas');
  assert(((await page.getByTestId('predict-model').textContent()) ?? '').includes('predict-demo.fusionlab.zip'), 'the panel names the opened bundle');

  await firstSample();
  const again = await predictOnce(page);
  assert(again.note === first.note, `the same sample again (${again.note} vs ${first.note})`);
  for (const c of classes) assert(Math.abs(again.probs[c] - first.probs[c]) < 1e-4, `same probability for ${c} from the bundle: ${again.probs[c]} vs ${first.probs[c]}`);
  for (const id of ['picture', 'tone']) assert((await canvasStats(page, `predict-saliency-${id}`)).coloured > 0, `saliency ${id} after opening the bundle`);
  await page.getByTestId('panel-predict').evaluate((el) => el.scrollTo(0, 0));
  await screenshot('predict-panel-bundle');

  // The opened bundle's model is the session's model: the Train panel says so and downloads it,
  // and the Code panel exports it with its weights.
  await page.getByTestId('dock-tab-train').click();
  const trainStatus = (await page.getByTestId('train-status').textContent()) ?? '';
  assert(trainStatus.includes('predict-demo.fusionlab.zip'), `the Train panel names the opened bundle: ${trainStatus}`);
  const [reDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('btn-bundle').click()]);
  const reFile = path.join(RESULTS_DIR, 'predict-demo-again.fusionlab.zip');
  await reDownload.saveAs(reFile);
  assert(readFileSync(reFile).equals(readFileSync(file)), 'the Bundle button gives back the opened bundle');
  await page.getByTestId('dock-tab-code').click();
  await page.getByTestId('code-tab-pytorch').click();
  const [exported] = await Promise.all([page.waitForEvent('download'), page.getByTestId('code-download-trained').click()]);
  const exportFile = path.join(RESULTS_DIR, 'predict-bundle-pytorch.zip');
  await exported.saveAs(exportFile);
  const exportedFiles = Object.keys(unzipSync(new Uint8Array(readFileSync(exportFile))));
  assert(exportedFiles.some((f) => f.endsWith('/weights.npz')), `the opened bundle exports with its weights: ${exportedFiles.join(', ')}`);
  await page.getByTestId('dock-tab-predict').click();

  // The microphone: the test browser has Chromium's fake capture device (a beep), so a real
  // recording goes through MediaRecorder, decodeAudioData and the model.
  // The clip stops by itself after the input's clip length (0.25 s + a margin).
  await page.getByTestId('btn-record-audio').click();
  const mic = await waitFor(async () => {
    const err = (await page.getByTestId('predict-error').count()) ? ((await page.getByTestId('predict-error').textContent()) ?? '') : '';
    if (/microphone|record/i.test(err)) return `message: ${err}`;
    return /recording\./.test((await page.getByTestId('predict-input-tone').textContent()) ?? '') ? 'recorded' : '';
  }, 'the microphone answers', 15_000);
  console.log(`  record: ${mic}`);
  assert(mic === 'recorded', `the fake microphone records a clip into the field: ${mic}`);
  const recorded = await predictOnce(page);
  const recordedSum = Object.values(recorded.probs).reduce((a, b) => a + b, 0);
  assert(Math.abs(recordedSum - 1) < 1e-3, `a prediction from the recorded audio (probabilities sum to ${recordedSum})`);
  console.log(`  with the recorded tone: ${recorded.predicted}`);

  // The same sample by hand: real PNG and WAV files uploaded, caption and numbers typed in.
  const id = /demo-\d+/.exec(first.note)?.[0] ?? '';
  const demo = generateDemoDataset({ rows: 40 });
  const row = demo.rows.find((r) => r.id === id);
  assert(row, `demo row ${id}`);
  const png = path.join(RESULTS_DIR, `${id}.png`);
  const wav = path.join(RESULTS_DIR, `${id}.wav`);
  writeFileSync(png, demo.files.get(`images/${id}.png`) as Uint8Array);
  writeFileSync(wav, demo.files.get(`audio/${id}.wav`) as Uint8Array);
  await page.getByTestId('predict-field-image').setInputFiles(png);
  await page.getByTestId('predict-field-audio').setInputFiles(wav);
  await page.getByTestId('predict-field-caption').fill(row.caption);
  await page.getByTestId('predict-field-temperature').fill(row.temperature.toFixed(1));
  await page.getByTestId('predict-field-count').fill(String(row.count));
  await waitFor(async () => /\.wav/.test((await page.getByTestId('predict-input-tone').textContent()) ?? ''), 'the uploaded WAV in the field');
  // predictOnce waits for a result newer than the one shown (the recording's).
  const byHand = (await predictOnce(page)).probs;
  for (const c of classes) assert(Math.abs(byHand[c] - first.probs[c]) < 1e-4, `same probability for ${c} from uploaded files: ${byHand[c]} vs ${first.probs[c]}`);
  await screenshot('predict-panel-uploaded');

  assert(pageErrors.length === 0, `no page errors: ${pageErrors.join(' | ')}`);
});

/** The demo's inputs and encoders, each ending in its own head, joined by a model-level average. */
function lateDemo(): GraphDoc {
  const demo = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../templates/demo.json'), 'utf8')) as GraphDoc;
  const keep = demo.nodes.filter((n) => !['fuse', 'mix', 'answer'].includes(n.id));
  const branches = [
    ['picture_cnn', 'picture_head', 'Picture says', 0],
    ['caption_emb', 'caption_head', 'Caption says', 160],
    ['tone_cnn', 'tone_head', 'Tone says', 320],
  ] as const;
  return {
    ...demo,
    name: 'Demo, model-level fusion',
    nodes: [
      ...keep.filter((n) => !n.id.startsWith('numbers')),
      ...branches.map(([, id, label, y]) => ({ id, kind: 'head.classify', label, params: { column: 'label', classes: 4 }, position: { x: 560, y }, frozen: false })),
      { id: 'late', kind: 'late.average', label: 'Average of branches', params: {}, position: { x: 840, y: 160 }, frozen: false },
    ],
    edges: [
      ...demo.edges.filter((e) => ['picture', 'caption', 'tone'].includes(e.source)),
      ...branches.flatMap(([enc, id]) => [
        { id: `e-${id}`, source: enc, sourcePort: 'out', target: id, targetPort: 'in' },
        { id: `e-${id}-late`, source: id, sourcePort: 'out', target: 'late', targetPort: 'in' },
      ]),
    ],
  };
}

test('predict with model-level fusion: each branch beside the fused answer', async ({ page, open, screenshot, pageErrors }) => {
  await open();
  assert((await page.getByTestId('node-late').count()) === 1, 'the late-fusion graph is on the canvas');
  await openPanel(page, 'train');
  await page.getByTestId('train-epochs').fill('3');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', 'training finished', 300_000);
  await openPanel(page, 'predict');
  await tallDock(page);
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model', 30_000);
  await page.getByTestId('btn-predict-sample').click();
  const r = await predictOnce(page);
  assert((await page.getByTestId('predict-result').getAttribute('data-primary')) === 'late', 'the late node is the answer');
  const fused = page.getByTestId('predict-output-late');
  assert(/fused answer/.test((await fused.textContent()) ?? ''), 'the fused answer is marked');
  const branch: Record<string, Record<string, number>> = {};
  for (const id of ['picture_head', 'caption_head', 'tone_head']) {
    const text = (await page.getByTestId(`predict-output-${id}`).textContent()) ?? '';
    assert(/branch of Average of branches/.test(text), `${id} is shown as a branch: ${text}`);
    branch[id] = await probabilities(page, id);
    const sum = Object.values(branch[id]).reduce((a, b) => a + b, 0);
    assert(Math.abs(sum - 1) < 1e-3, `${id} probabilities sum to 1 (${sum})`);
  }
  // late.average (learned weights, softmax): each fused probability is a weighted mean of the branches'.
  for (const [c, p] of Object.entries(r.probs)) {
    const ps = [branch.picture_head[c], branch.caption_head[c], branch.tone_head[c]];
    assert(p >= Math.min(...ps) - 1e-6 && p <= Math.max(...ps) + 1e-6, `fused ${c} lies between the branches: ${p} vs ${ps.join(', ')}`);
  }
  // The late-average weights the model gave each branch for this sample, named by the branch's input.
  const weights = page.getByTestId('predict-fusion-weights-late');
  assert(await weights.isVisible(), 'the late weights are shown');
  let total = 0;
  const named: string[] = [];
  for (let k = 0; k < 3; k++) {
    const cell = page.getByTestId(`predict-weight-late-${k}`);
    const w = Number(await cell.getAttribute('data-value'));
    assert(w > 0 && w < 1, `weight ${k} is a share: ${w}`);
    total += w;
    named.push(`${await cell.getAttribute('data-modality')} ${(100 * w).toFixed(1)}%`);
  }
  assert(Math.abs(total - 1) < 1e-4, `the weights sum to 1 (${total})`);
  assert(named.some((n) => n.startsWith('picture ')) && named.some((n) => n.startsWith('tone ')), `each weight is named by its input: ${named.join(', ')}`);
  console.log(`  late weights: ${named.join(' · ')}`);
  await weights.scrollIntoViewIfNeeded();
  await screenshot('predict-late-weights');
  console.log(`  fused ${r.predicted}; branches ${Object.entries(branch).map(([id, ps]) => `${id}: ${Object.entries(ps).sort((a, b) => b[1] - a[1])[0][0]}`).join(', ')}`);
  await page.getByTestId('panel-predict').evaluate((el) => el.scrollTo(0, 0));
  await screenshot('predict-panel-late');
  assert(pageErrors.length === 0, `no page errors: ${pageErrors.join(' | ')}`);
}, { storage: storageWith(lateDemo()) });
