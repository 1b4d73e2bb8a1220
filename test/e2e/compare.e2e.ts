/**
 * Issue 5's teaching point in the browser: train the demo, see the worst-classified samples with
 * their inputs, press Compare, and see the fused model far above every input alone.
 */
import type { Page } from 'playwright-core';
import { assert, openPanel, test, waitFor } from './lib';

const INPUTS = ['picture', 'caption', 'tone', 'numbers'];

async function status(page: Page): Promise<string> {
  return (await page.getByTestId('train-status').getAttribute('data-status')) ?? '';
}

test('compare the demo: worst samples with their inputs, then fusion against each input alone', async ({ page, open, screenshot, pageErrors }) => {
  await open();
  await openPanel(page, 'train');
  assert(!(await page.getByTestId('btn-compare').isVisible().catch(() => false)), 'no Compare button before training');

  // Two epochs first: the model still gets some validation samples wrong, so there are worst samples to show.
  await page.getByTestId('train-epochs').fill('2');
  const t0 = Date.now();
  await page.getByTestId('btn-train').click();
  await waitFor(async () => (await status(page)) === 'finished', 'two epochs trained', 120_000);

  // Worst-classified validation samples, each with its inputs: a drawn picture and spectrogram, the caption, the numbers.
  await waitFor(() => page.getByTestId('worst-samples').isVisible(), 'the worst samples', 30_000);
  const heading = ((await page.getByTestId('worst-samples').locator('h3').textContent()) ?? '').replace(/\s+/g, ' ');
  console.log(`  after 2 epochs, ${heading}`);
  const cards = await page.locator('[data-testid^="worst-"][data-testid$="-picture"]').count();
  assert(cards === 8, `eight worst samples after two epochs (got ${cards})`);
  const card = page.getByTestId('worst-0');
  const text = (await card.textContent()) ?? '';
  assert(/true (match|mismatch)-(low|high)\s*predicted (match|mismatch)-(low|high)/.test(text), `the card names the true and predicted class: ${text}`);
  for (const id of ['picture', 'tone']) {
    const canvas = page.getByTestId(`worst-0-${id}`);
    assert((await canvas.getAttribute('data-drawn')) === 'true', `the ${id} canvas is drawn`);
    // Not blank: the pixels vary.
    const spread = await canvas.evaluate((el) => {
      const cv = el as HTMLCanvasElement;
      const d = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray(0);
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        lo = Math.min(lo, d[i]);
        hi = Math.max(hi, d[i]);
      }
      return hi - lo;
    });
    assert(spread > 60, `the ${id} preview shows an image (red channel spread ${spread})`);
  }
  const caption = ((await page.getByTestId('worst-0-caption').textContent()) ?? '').trim();
  assert(/circle|square|triangle/.test(caption), `the caption is shown as text: ${caption}`);
  const numbers = (await page.getByTestId('worst-0-numbers').textContent()) ?? '';
  assert(/temperature = \d/.test(numbers) && /count = \d/.test(numbers), `the numbers are shown: ${numbers}`);
  await page.getByTestId('worst-samples').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshot('compare-worst-samples');

  // Train on to 12 epochs (Resume): the demo template at the panel's learning rate reaches ≥ 95 %.
  await page.getByTestId('train-epochs').fill('12');
  await page.getByTestId('btn-resume').click();
  await waitFor(async () => (await status(page)) === 'running', 'training resumed', 30_000);
  await waitFor(async () => (await status(page)) === 'finished', 'training finished', 300_000);
  console.log(`  trained 12 epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s; test accuracy ${await page.getByTestId('metric-test-accuracy').textContent()}`);

  // Compare: each input alone, same settings, beside the fused model.
  const button = page.getByTestId('btn-compare');
  assert(await button.isEnabled(), 'Compare is enabled after training');
  const t1 = Date.now();
  await button.click();
  const line = await waitFor(async () => ((await page.getByTestId('compare-progress').isVisible()) ? await page.getByTestId('compare-progress').textContent() : ''), 'the compare progress line', 30_000);
  assert(/alone \(variant \d of 4\)|Evaluating/.test(line ?? ''), `progress line: ${line}`);
  assert(!(await button.isEnabled()), 'Compare is disabled while comparing');
  await page.getByTestId('compare-section').scrollIntoViewIfNeeded();
  await screenshot('compare-running');
  await waitFor(async () => (await page.getByTestId('compare-result').getAttribute('data-status').catch(() => null)) === 'done', 'the comparison result', 600_000);
  console.log(`  compared 4 variants in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

  const fused = Number(await page.getByTestId('compare-fused').getAttribute('data-value'));
  const alone: string[] = [];
  for (const id of INPUTS) {
    const cell = page.getByTestId(`compare-${id}`);
    const v = Number(await cell.getAttribute('data-value'));
    assert((await cell.getAttribute('data-status')) === 'ok', `the ${id} variant trained`);
    assert(Number.isFinite(v) && v >= 0 && v <= 0.65, `${id} alone stays ≤ 65 %: ${v}`);
    alone.push(`${id} ${(100 * v).toFixed(1)}%`);
  }
  const takeaway = (await page.getByTestId('compare-takeaway').textContent()) ?? '';
  console.log(`  fused ${(100 * fused).toFixed(1)}% · ${alone.join(' · ')}\n  “${takeaway}”`);
  assert(fused >= 0.95, `the fused model reaches ≥ 95 %: ${fused}`);
  assert(/^Fused \d+\.\d% vs best single input \d+\.\d% \((Picture|Caption|Tone|Numbers)\)/.test(takeaway), `the takeaway sentence: ${takeaway}`);
  // One bar per model: the fused one and four single-input ones.
  const bars = await page.getByTestId('compare-chart').locator('.recharts-bar-rectangle').count();
  assert(bars === 5, `five bars in the chart (got ${bars})`);
  await page.getByTestId('compare-section').scrollIntoViewIfNeeded();
  await screenshot('compare-result');
  assert(pageErrors.length === 0, `no page errors: ${pageErrors.join(' | ')}`);
});
