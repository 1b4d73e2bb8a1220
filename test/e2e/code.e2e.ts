/** Issue 6's browser tests: the Code panel (Monaco bundled locally, three targets, live, downloads). */
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import type { GraphDoc } from '../../engine/graph';
import { chainGraph, storageWith } from './fixtures';
import { assert, assertEqual, clickNode, openPanel, test, waitFor } from './lib';

/** The fixture chain without its spare (unconnected) nodes: table → MLP (64) → classifier. */
function cleanChain(): GraphDoc {
  const g = chainGraph();
  const keep = new Set(['tab', 'mlp', 'out']);
  return { ...g, name: 'E2E code', nodes: g.nodes.filter((n) => keep.has(n.id)) };
}

/** The code lines Monaco has drawn (it only renders the visible ones). */
async function visibleCode(page: Page): Promise<string> {
  const lines = page.locator('[data-testid="panel-code"] .monaco-editor .view-lines');
  if (!(await lines.count())) return '';
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId(testId).click()]);
  const p = await dl.path();
  assert(p, 'the download was saved');
  return { name: dl.suggestedFilename(), bytes: readFileSync(p) };
}

test('code panel: targets, live updates, node highlight, downloads, offline Monaco', async ({ page, open, offsite, screenshot }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await open();
  await openPanel(page, 'code');
  const panel = page.getByTestId('code-panel');
  await waitFor(async () => (await panel.getAttribute('data-state')) === 'code', 'the code is written');

  // TypeScript (tfjs) first: Monaco renders it with syntax highlighting (Monarch tokens).
  await waitFor(async () => (await visibleCode(page)).includes("import * as tf from '@tensorflow/tfjs'"), 'the tfjs import in the editor', 60_000);
  const tokenClasses = await page.locator('[data-testid="panel-code"] .view-lines span[class^="mtk"]').evaluateAll((els) => new Set(els.map((e) => e.className)).size);
  assert(tokenClasses >= 3, `the code is syntax-highlighted (${tokenClasses} token colours)`);
  // Read-only: typing into the editor changes nothing.
  await page.locator('[data-testid="panel-code"] .view-lines').click({ position: { x: 40, y: 10 } });
  await page.keyboard.type('zzqq');
  await page.waitForTimeout(200);
  assert(!(await visibleCode(page)).includes('zzqq'), 'the editor is read-only');
  // Monaco's worker (as configured in MonacoEnvironment) starts from this origin without errors.
  const workerUrls: string[] = [];
  page.on('worker', (w) => workerUrls.push(w.url()));
  const before = workerUrls.length;
  const workerState = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const env = (self as unknown as { MonacoEnvironment?: { getWorker(id: string, label: string): Worker } }).MonacoEnvironment;
        if (!env) return resolve('no MonacoEnvironment');
        const w = env.getWorker('e2e', 'editorWorkerService');
        w.onerror = (e) => resolve(`error: ${e.message}`);
        setTimeout(() => {
          w.terminate();
          resolve('running');
        }, 1500);
      }),
  );
  assertEqual(workerState, 'running', 'the Monaco editor worker starts');
  await waitFor(() => workerUrls.length > before, 'the worker was seen');
  const origin = new URL(page.url()).origin;
  assert(workerUrls.slice(before).every((u) => u.startsWith(origin) || u.startsWith('blob:')), `the worker comes from the app's origin: ${workerUrls.slice(before).join(', ')}`);
  const position = await page.locator('[data-testid="panel-code"] .monaco-editor').first().evaluate((el) => getComputedStyle(el).position);
  assertEqual(position, 'relative', "Monaco's own CSS is applied (.monaco-editor is position: relative)");
  const tsFile = await download(page, 'code-download');
  assertEqual(tsFile.name, 'model.ts', 'the tfjs main file name');
  assert(/tf\.layers\.dense\(\{ units: 64/.test(tsFile.bytes.toString('utf8')), 'the downloaded TypeScript builds a 64-unit dense layer');

  // Switch targets: the code changes.
  await page.getByTestId('code-tab-pytorch').click();
  await waitFor(async () => (await visibleCode(page)).includes('import torch'), 'PyTorch code');
  assertEqual(await panel.getAttribute('data-target'), 'pytorch', 'the panel shows PyTorch');
  await page.getByTestId('code-tab-keras').click();
  await waitFor(async () => (await visibleCode(page)).includes('from keras import layers'), 'Keras 3 code');
  assert(!(await visibleCode(page)).includes('import torch'), 'the Keras tab no longer shows PyTorch code');

  // Select a node: its lines are highlighted and scrolled into view.
  await page.getByTestId('code-tab-pytorch').click();
  await waitFor(async () => (await visibleCode(page)).includes('import torch'), 'PyTorch code again');
  assertEqual(await page.locator('[data-testid="panel-code"] .code-hl-line').count(), 0, 'nothing highlighted without a selection');
  await clickNode(page, 'mlp');
  await waitFor(async () => (await page.locator('[data-testid="panel-code"] .code-hl-line').count()) > 0, 'highlighted lines for the selected node');
  const ranges = (await page.locator('[data-testid="panel-code"] .code-body').getAttribute('data-highlight')) ?? '';
  assert(/^\d+-\d+(,\d+-\d+)*$/.test(ranges), `the MLP has line ranges: ${ranges}`);
  assert(/MLP/.test((await page.getByTestId('code-meta').textContent()) ?? ''), 'the bar names the selected node');
  await waitFor(async () => (await visibleCode(page)).includes('nn.Linear(3, 64)'), "the MLP's layer is in view");
  await screenshot('code-panel-pytorch-selected');

  // Change a param in the inspector: the code follows.
  await page.getByTestId('param-units').fill('32');
  await waitFor(async () => (await visibleCode(page)).includes('nn.Linear(3, 32)'), 'the code shows the new width');
  await waitFor(async () => (await page.locator('[data-testid="panel-code"] .code-hl-line').count()) > 0, 'the highlight survives the update');
  const py = await download(page, 'code-download');
  assertEqual(py.name, 'model.py', 'the PyTorch main file name');
  const pyText = py.bytes.toString('utf8');
  assert(pyText.includes('import torch') && pyText.includes('class FusionModel(nn.Module)'), 'the download is the PyTorch module');
  assert(pyText.includes('nn.Linear(3, 32)') && !pyText.includes('nn.Linear(3, 64)'), 'the download has the edited width');

  // Download all: a zip with the model, layers, data reader, training script and README.
  const zip = await download(page, 'code-download-all');
  assertEqual(zip.name, 'e2e-code-pytorch.zip', 'the zip name');
  const files = unzipSync(new Uint8Array(zip.bytes));
  const names = Object.keys(files).sort();
  for (const f of ['model.py', 'train.py', 'data.py', 'README.md']) assert(names.includes(`e2e-code-pytorch/${f}`), `the zip holds ${f}: ${names.join(', ')}`);
  assertEqual(strFromU8(files['e2e-code-pytorch/model.py']), pyText, 'the zipped model.py equals the single download');

  // ONNX: a zip with model.onnx and its preprocessing state; the model loads and runs in onnxruntime.
  const onnxZip = await download(page, 'code-download-onnx');
  assert(/-onnx\.zip$/.test(onnxZip.name), `the ONNX zip name: ${onnxZip.name}`);
  const onnxFiles = unzipSync(new Uint8Array(onnxZip.bytes));
  const modelPath = Object.keys(onnxFiles).find((n) => n.endsWith('/model.onnx'));
  const sidePath = Object.keys(onnxFiles).find((n) => n.endsWith('/model.preprocess.json'));
  assert(modelPath && sidePath, `model.onnx and model.preprocess.json: ${Object.keys(onnxFiles).join(', ')}`);
  const side = JSON.parse(strFromU8(onnxFiles[sidePath])) as { opset: number; inputs: { nodeId: string; shape: number[] }[]; outputs: { nodeId: string }[] };
  const session = await ort.InferenceSession.create(onnxFiles[modelPath]);
  assertEqual(session.inputNames, side.inputs.map((i) => i.nodeId), 'the ONNX inputs are the graph\'s input nodes');
  assertEqual(session.outputNames, side.outputs.map((o) => o.nodeId), 'the ONNX outputs are the graph\'s heads');
  const feeds = Object.fromEntries(side.inputs.map((i) => [i.nodeId, new ort.Tensor('float32', new Float32Array(i.shape.reduce((a, b) => a * b, 1)).fill(0.5), [1, ...i.shape])]));
  const ran = await session.run(feeds);
  const first = ran[side.outputs[0].nodeId].data as Float32Array;
  assert(first.length > 0 && [...first].every(Number.isFinite), `the ONNX model runs: ${[...first].slice(0, 4).join(', ')}`);
  console.log(`  ONNX download: opset ${side.opset}, ${onnxFiles[modelPath].length} bytes, inputs ${session.inputNames.join(', ')} → ${session.outputNames.join(', ')}`);

  // Deselect: the highlight goes away.
  await page.locator('.react-flow__pane').click({ position: { x: 300, y: 80 } });
  await waitFor(async () => (await page.locator('[data-testid="panel-code"] .code-hl-line').count()) === 0, 'no highlight after deselecting');

  await page.getByTestId('code-tab-tfjs').click();
  await waitFor(async () => (await visibleCode(page)).includes('@tensorflow/tfjs'), 'tfjs code again');
  await screenshot('code-panel-tfjs');
  const foreign = requests.filter((u) => !/^(data:|blob:)/.test(u) && !u.startsWith(new URL(page.url()).origin));
  assertEqual(foreign, [], 'every request stayed on the origin');
  assertEqual(offsite, [], 'nothing was blocked for leaving the origin');
}, { storage: storageWith(cleanChain()) });

test('code panel: a graph with errors shows its problems instead of code', async ({ page, open, screenshot }) => {
  await open();
  await openPanel(page, 'code');
  const panel = page.getByTestId('code-panel');
  await waitFor(async () => (await panel.getAttribute('data-state')) === 'diagnostics', 'the panel lists problems');
  const text = (await page.getByTestId('code-diagnostics').textContent()) ?? '';
  assert(/cannot be exported/.test(text) && /Spare MLP/.test(text), `the problem names the node: ${text}`);
  assert(await page.getByTestId('code-download').isDisabled(), 'nothing to download');
  await screenshot('code-panel-diagnostics');
  // Pick the node from the list and delete it: the code appears.
  await page.getByTestId('code-diagnostics').getByRole('button', { name: 'Spare MLP' }).click();
  await waitFor(async () => (await page.locator('[data-testid="node-mlp2"].is-selected').count()) > 0, 'the node is selected');
  await page.keyboard.press('Delete');
  await waitFor(async () => (await panel.getAttribute('data-state')) === 'code', 'code once the graph is fixed');
  await waitFor(async () => (await visibleCode(page)).includes('@tensorflow/tfjs'), 'the tfjs code is shown', 60_000);
}, { storage: storageWith(chainGraph()) });
