/**
 * Issue 5's teaching point in the browser: train the demo, see the worst-classified samples with
 * their inputs and each input missing or noisy, press Compare, and see the fused model above
 * every input alone over 3 seeds with intervals; then sweep every fusion operator.
 */
import type { Page } from 'playwright-core';
import { assert, openPanel, tallDock, test, waitFor } from './lib';

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

  // Robustness, beside the ablation: each input missing and noisy.
  const chart = page.getByTestId('ablation-chart');
  await waitFor(() => chart.isVisible(), 'the ablation and robustness chart', 30_000);
  const robust: string[] = [];
  for (const id of INPUTS) {
    const v = Number(await page.getByTestId(`robust-noisy-${id}`).getAttribute('data-value'));
    const drop = Number(await page.getByTestId(`ablation-${id}`).getAttribute('data-drop'));
    assert(Number.isFinite(v) && v >= 0 && v <= 1, `${id} with noise has an accuracy: ${v}`);
    assert(Number.isFinite(drop), `${id} missing has a drop: ${drop}`);
    robust.push(`${id} missing −${(100 * drop).toFixed(1)} pts, noisy ${(100 * v).toFixed(1)}%`);
  }
  console.log(`  robustness: ${robust.join(' · ')}`);
  await chart.scrollIntoViewIfNeeded();
  await screenshot('compare-robustness');

  await tallDock(page);
  // Compare over 3 seeds: the fused model and each input alone, same settings, mean and 95 % interval per row.
  const button = page.getByTestId('btn-compare');
  assert(await button.isEnabled(), 'Compare is enabled after training');
  assert((await page.getByTestId('compare-seeds').inputValue()) === '3', 'three seeds by default');
  const t1 = Date.now();
  await button.click();
  const line = await waitFor(async () => ((await page.getByTestId('compare-progress').isVisible()) ? await page.getByTestId('compare-progress').textContent() : ''), 'the compare progress line', 30_000);
  assert(/\(row \d of 5\), seed \d of 3|Preparing/.test(line ?? ''), `progress line: ${line}`);
  assert(!(await button.isEnabled()), 'Compare is disabled while comparing');
  await page.getByTestId('compare-section').scrollIntoViewIfNeeded();
  await screenshot('compare-running');
  await waitFor(async () => (await page.getByTestId('compare-result').getAttribute('data-status').catch(() => null)) === 'done', 'the comparison result', 600_000);
  console.log(`  compared 5 rows × 3 seeds in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

  const cell = async (id: string) => {
    const c = page.getByTestId(`compare-${id}`);
    const ci = page.getByTestId(`compare-${id}-ci`);
    return { value: Number(await c.getAttribute('data-value')), status: await c.getAttribute('data-status'), seeds: Number(await c.getAttribute('data-seeds')), lo: Number(await ci.getAttribute('data-lo')), hi: Number(await ci.getAttribute('data-hi')) };
  };
  const fused = await cell('fused');
  assert(fused.seeds === 3 && fused.lo <= fused.value && fused.value <= fused.hi, `the fused row: 3 seeds, an interval around its mean: ${JSON.stringify(fused)}`);
  const alone: string[] = [];
  let best = 0;
  for (const id of INPUTS) {
    const c = await cell(id);
    assert(c.status === 'ok' && c.seeds === 3, `the ${id} row trained over 3 seeds: ${JSON.stringify(c)}`);
    assert(c.lo <= c.value && c.value <= c.hi, `the ${id} interval holds its mean: ${JSON.stringify(c)}`);
    assert(c.value <= 0.65, `${id} alone stays ≤ 65 %: ${c.value}`);
    best = Math.max(best, c.value);
    alone.push(`${id} ${(100 * c.value).toFixed(1)}% [${(100 * c.lo).toFixed(1)}, ${(100 * c.hi).toFixed(1)}]`);
  }
  const takeaway = (await page.getByTestId('compare-takeaway').textContent()) ?? '';
  console.log(`  fused ${(100 * fused.value).toFixed(1)}% [${(100 * fused.lo).toFixed(1)}, ${(100 * fused.hi).toFixed(1)}] · ${alone.join(' · ')}\n  “${takeaway}”`);
  assert(fused.value > best, `the fused mean beats every input alone: ${fused.value} against ${best}`);
  assert(/^(Fusion helps|No clear difference|A single input does better)/.test(takeaway), `the takeaway sentence: ${takeaway}`);
  // One bar per row: the fused one and four single-input ones, each with its interval.
  const bars = await page.getByTestId('compare-bar').count();
  assert(bars === 5, `five bars in the chart (got ${bars})`);
  const whiskers = await page.getByTestId('compare-whisker').count();
  assert(whiskers === 5, `five interval whiskers in the chart (got ${whiskers})`);
  await page.getByTestId('compare-section').scrollIntoViewIfNeeded();
  await screenshot('compare-result');

  // The sweep: every fusion operator that fits and late fusion, 2 seeds each, as a leaderboard.
  await page.getByTestId('compare-seeds').fill('2');
  await page.getByTestId('compare-sweep').check();
  const t2 = Date.now();
  await button.click();
  await waitFor(async () => (await page.getByTestId('compare-result').getAttribute('data-status').catch(() => null)) === 'running' || (await page.getByTestId('compare-progress').isVisible()), 'the sweep started', 30_000);
  await waitFor(async () => (await page.getByTestId('compare-result').getAttribute('data-status').catch(() => null)) === 'done', 'the sweep result', 900_000);
  const kinds = await page.getByTestId('compare-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-kind')}:${tr.querySelector('[data-status]')?.getAttribute('data-status')}`));
  const ops = kinds.filter((k) => k === 'fusion-op:ok').length;
  const late = kinds.filter((k) => k === 'late:ok').length;
  console.log(`  swept ${kinds.length} rows (${ops} fusion operators, ${late} late) × 2 seeds in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
  assert(ops >= 6, `at least six fusion operators in the leaderboard (got ${ops})`);
  assert(late === 3, `average, vote and stack (got ${late})`);
  // Ranked best first.
  const means = await page.getByTestId('compare-table').locator('tbody tr td:nth-child(3)').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value') || 'NaN')));
  const ranked = means.filter((m) => Number.isFinite(m));
  assert(ranked.every((m, i) => i === 0 || m <= ranked[i - 1]), `the leaderboard is ranked: ${ranked.join(', ')}`);
  await page.getByTestId('compare-table').scrollIntoViewIfNeeded();
  await screenshot('compare-sweep');
  assert(pageErrors.length === 0, `no page errors: ${pageErrors.join(' | ')}`);
});
