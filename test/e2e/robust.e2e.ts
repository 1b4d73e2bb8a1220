/**
 * Issue 5's failure handling in the browser: a WebGL context lost mid-training (simulated with
 * WEBGL_lose_context through the page's test hook) moves training to WASM and it finishes; the
 * main-thread fallback (`?worker=off`) trains on the page, says so and keeps the canvas
 * responsive; a crashed worker is reported and Train works again.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { assert, clickNode, openPanel, RESULTS_DIR, test, waitFor } from './lib';

async function points(page: Page, id: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${id}`).getAttribute('data-points')) ?? 0);
}

async function status(page: Page): Promise<string> {
  return (await page.getByTestId('train-status').getAttribute('data-status')) ?? '';
}

async function backendInfo(page: Page, want: RegExp, what: string, ms = 60_000): Promise<string> {
  return waitFor(async () => {
    const t = (await page.getByTestId('train-backend-info').textContent()) ?? '';
    return want.test(t) ? t : '';
  }, what, ms);
}

async function debug(page: Page, action: 'lose-context' | 'crash'): Promise<void> {
  await page.evaluate((a) => (window as unknown as { __fusionlabTrain: { debug(a: string): void } }).__fusionlabTrain.debug(a), action);
}

async function finalAccuracy(page: Page): Promise<number> {
  await waitFor(async () => (await status(page)) === 'finished', 'training finished', 240_000);
  const text = (await page.getByTestId('metric-val-accuracy').textContent()) ?? '';
  const val = Number(text);
  assert(Number.isFinite(val) && val > 0 && val <= 1, `metric-val-accuracy holds a number: "${text}"`);
  return val;
}

test('WebGL context lost mid-training: the panel says so, moves to WASM and finishes', async ({ page, open, screenshot }) => {
  await open();
  await openPanel(page, 'train');
  await backendInfo(page, /WASM|WebGL|CPU/, 'the first backend report');
  await page.getByTestId('train-backend').selectOption('webgl');
  const info = await backendInfo(page, /^WebGL · in a Web Worker/, 'WebGL running in the worker');
  console.log(`  backend: ${info}`);
  await page.getByTestId('train-epochs').fill('3');
  await page.getByTestId('btn-train').click();
  // Lose the context after the first epoch ended on WebGL (its weights are the CPU copy).
  await waitFor(async () => (await page.getByTestId('train-epoch').textContent())?.includes('epoch 2/') ?? false, 'epoch 2 on WebGL', 180_000);
  assert((await status(page)) === 'running', 'training runs on WebGL');
  await debug(page, 'lose-context');
  const notice = await waitFor(async () => ((await page.getByTestId('train-backend-notice').isVisible()) ? page.getByTestId('train-backend-notice').textContent() : ''), 'the context-loss notice', 60_000);
  console.log(`  notice: ${notice}`);
  assert(/WebGL context was lost/.test(notice ?? '') && /continues on WASM from the weights saved at the end of epoch 1/.test(notice ?? ''), `the notice says what happened: ${notice}`);
  const after = await backendInfo(page, /^WASM/, 'the badge says WASM');
  console.log(`  backend after the loss: ${after}`);
  assert((await page.getByTestId('train-backend').inputValue()) === 'wasm', 'the chooser shows the backend that now runs');
  const val = await finalAccuracy(page);
  console.log(`  final val accuracy after recovery: ${val}`);
  assert((await page.getByTestId('train-epoch').textContent())?.includes('epoch 3/3'), 'all three epochs ran');
  assert(!(await page.getByTestId('train-error').isVisible()), 'no error shown');
  await waitFor(() => page.getByTestId('metric-test-accuracy').isVisible(), 'the test accuracy', 60_000);
  await page.getByTestId('train-backend-notice').scrollIntoViewIfNeeded();
  await screenshot('robust-context-lost');
  await page.getByTestId('train-backend-info').screenshot({ path: path.join(RESULTS_DIR, 'robust-context-lost-notice.png') });
});

test('main-thread fallback (?worker=off): trains on the page, says so, the canvas stays responsive', async ({ page, open, screenshot }) => {
  await open('?worker=off');
  await openPanel(page, 'train');
  const info = await backendInfo(page, /on the page/, 'the badge says it runs on the page');
  console.log(`  backend: ${info}`);
  assert(/switched off by \?worker=off/.test(info) && /yields between batches/.test(info), `the badge says why: ${info}`);
  await page.getByTestId('train-epochs').fill('4');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await points(page, 'answer-loss')) >= 3, 'batch points on the loss chart', 90_000);
  // Batches yield: a click on the canvas is answered while training still runs on this thread.
  const t0 = Date.now();
  await clickNode(page, 'mix');
  await waitFor(async () => (await page.getByTestId('node-name').inputValue()) === 'Mix', 'the inspector shows the clicked node', 15_000);
  console.log(`  click → inspector during main-thread training: ${Date.now() - t0} ms`);
  assert((await status(page)) === 'running', 'still training while the canvas is used');
  await screenshot('robust-main-thread-running');
  const val = await finalAccuracy(page);
  console.log(`  final val accuracy on the page: ${val}`);
  assert(/on the page/.test((await page.getByTestId('train-backend-info').textContent()) ?? ''), 'still on the page');
});

test('WebGL context lost on the page (?worker=off) in the first epoch: restarts on WASM from the starting weights', async ({ page, open }) => {
  await open('?worker=off');
  await openPanel(page, 'train');
  const first = await backendInfo(page, /on the page/, 'the page session');
  console.log(`  first backend on the page: ${first}`);
  // On the page too (a synchronous compile on the main thread), FusionLab's C kernels load.
  if (/^WASM/.test(first)) assert(/FusionLab SIMD kernels loaded/.test(first), `the C kernels load on the page: ${first}`);
  await page.getByTestId('train-backend').selectOption('webgl');
  const info = await backendInfo(page, /^WebGL · on the page/, 'WebGL running on the page');
  console.log(`  backend: ${info}`);
  await page.getByTestId('train-epochs').fill('2');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await points(page, 'answer-loss')) >= 2, 'batch points on WebGL', 120_000);
  await debug(page, 'lose-context');
  const notice = await waitFor(async () => ((await page.getByTestId('train-backend-notice').isVisible()) ? page.getByTestId('train-backend-notice').textContent() : ''), 'the context-loss notice', 60_000);
  console.log(`  notice: ${notice}`);
  assert(/WebGL context was lost/.test(notice ?? '') && /continues on WASM from the weights it started from/.test(notice ?? ''), `the notice: ${notice}`);
  await backendInfo(page, /^WASM · on the page/, 'WASM on the page');
  const val = await finalAccuracy(page);
  console.log(`  final val accuracy after recovery on the page: ${val}`);
  assert((await page.getByTestId('train-epoch').textContent())?.includes('epoch 2/2'), 'both epochs ran');
});

test('a crashed worker is reported and Train works again', async ({ page, open, screenshot, pageErrors }) => {
  await open();
  await openPanel(page, 'train');
  await backendInfo(page, /in a Web Worker/, 'the worker backend report');
  await page.getByTestId('train-epochs').fill('2');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await points(page, 'answer-loss')) >= 2, 'batch points', 90_000);
  await debug(page, 'crash');
  const err = await waitFor(async () => ((await page.getByTestId('train-error').isVisible()) ? page.getByTestId('train-error').textContent() : ''), 'the crash message', 30_000);
  console.log(`  message: ${err}`);
  assert(/training worker stopped unexpectedly/.test(err ?? '') && /Lower the batch size/.test(err ?? ''), `message and suggestion: ${err}`);
  assert((await status(page)) === 'failed', 'the status says failed');
  assert(await page.getByTestId('btn-train').isEnabled(), 'Train is enabled again');
  await screenshot('robust-worker-crashed');
  await page.getByTestId('btn-train').click();
  const val = await finalAccuracy(page);
  console.log(`  final val accuracy in a fresh worker: ${val}`);
  // The only error line allowed is the worker's own simulated crash (the panel reported it).
  const others = pageErrors.filter((e) => !/simulated crash/.test(e));
  assert(others.length === 0, `no other page errors: ${others.join(' | ')}`);
  pageErrors.length = 0;
});
