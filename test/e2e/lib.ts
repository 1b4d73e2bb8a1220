/**
 * A small browser-test library: tests register with {@link test}, get a fresh browser context
 * (empty storage) whose every request to another origin is blocked and recorded, and fail on any
 * uncaught page error.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export interface TestContext {
  page: Page;
  context: BrowserContext;
  browser: Browser;
  baseURL: string;
  /** Requests that tried to leave the origin (blocked). */
  offsite: string[];
  /** Uncaught errors and console errors of the page. */
  pageErrors: string[];
  screenshot(name: string): Promise<string>;
  /** Open the editor (optionally with a hash) and wait until it is ready. */
  open(hash?: string): Promise<void>;
}

export interface TestCase {
  name: string;
  fn(t: TestContext): Promise<void>;
  /** Graph JSON put into browser storage before the first load (a fixture). */
  storage?: Record<string, string>;
}

export const registered: TestCase[] = [];

export function test(name: string, fn: TestCase['fn'], opts: { storage?: Record<string, string> } = {}): void {
  registered.push({ name, fn, storage: opts.storage });
}

export const RESULTS_DIR = path.resolve(process.cwd(), 'test-results');
mkdirSync(RESULTS_DIR, { recursive: true });

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Poll until `fn` returns a truthy value (or throw with `what`). */
export async function waitFor<T>(fn: () => Promise<T> | T, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 60));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export async function nodeCount(page: Page): Promise<number> {
  return page.locator('.react-flow__node').count();
}

export async function edgeCount(page: Page): Promise<number> {
  return page.locator('.react-flow__edge').count();
}

/** Drag from one element's centre to another's with real mouse events. */
export async function dragBetween(page: Page, fromSelector: string, toSelector: string, opts: { release?: boolean } = {}): Promise<void> {
  const a = await page.locator(fromSelector).boundingBox();
  const b = await page.locator(toSelector).boundingBox();
  assert(a && b, `both ${fromSelector} and ${toSelector} are on screen`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 20, a.y + a.height / 2 + 10, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  if (opts.release !== false) await page.mouse.up();
}

/** Click a node by its title (selects it). */
export async function clickNode(page: Page, id: string, modifiers: ('Shift' | 'Control')[] = []): Promise<void> {
  await page.locator(`[data-testid="node-${id}"] .fnode-title`).click({ modifiers });
}

/** Open one of the dock's panels (if it is not open already) and wait until its content shows. */
export async function openPanel(page: Page, id: 'data' | 'train' | 'predict' | 'code'): Promise<void> {
  if (!(await page.getByTestId(`panel-${id}`).isVisible())) await page.getByTestId(`dock-tab-${id}`).click();
  // The Data panel's content has no test id of its own; the others do.
  const content = id === 'data' ? `panel-${id}` : `${id}-panel`;
  await waitFor(() => page.getByTestId(content).isVisible(), `the ${id} panel`);
}

/** The Predict panel's probabilities of one output as shown: class → number. */
export async function probabilities(page: Page, output: string): Promise<Record<string, number>> {
  const cells = page.locator(`[data-testid^="predict-prob-${output}-"]`);
  const out: Record<string, number> = {};
  for (let i = 0; i < (await cells.count()); i++) {
    const el = cells.nth(i);
    const id = (await el.getAttribute('data-testid')) ?? '';
    out[id.slice(`predict-prob-${output}-`.length)] = Number(await el.getAttribute('data-value'));
  }
  return out;
}

/**
 * Press Predict and wait for a new result: the primary output's probabilities, the predicted and
 * true labels, and the note naming the dataset sample (empty for recorded or uploaded inputs).
 */
export async function predictOnce(page: Page): Promise<{ probs: Record<string, number>; predicted: string; label: string; note: string }> {
  const before = (await page.getByTestId('predict-result').count()) ? await page.getByTestId('predict-result').getAttribute('data-stamp') : null;
  await page.getByTestId('btn-predict').click();
  await waitFor(async () => (await page.getByTestId('predict-error').count()) > 0 || ((await page.getByTestId('predict-result').count()) > 0 && (await page.getByTestId('predict-result').getAttribute('data-stamp')) !== before), 'a prediction', 60_000);
  if (await page.getByTestId('predict-error').count()) throw new Error(`prediction failed: ${await page.getByTestId('predict-error').textContent()}`);
  const result = page.getByTestId('predict-result');
  const primary = (await result.getAttribute('data-primary')) ?? '';
  const note = (await page.getByTestId('predict-sample-note').count()) ? ((await page.getByTestId('predict-sample-note').textContent()) ?? '') : '';
  return { probs: await probabilities(page, primary), predicted: (await result.getAttribute('data-predicted')) ?? '', label: (await result.getAttribute('data-label')) ?? '', note };
}

/** Make the dock tall so that the screenshots show the whole panel. */
export async function tallDock(page: Page): Promise<void> {
  const box = await page.locator('.dock-resize').boundingBox();
  if (!box) return;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y - 300, { steps: 8 });
  await page.mouse.up();
  await page.evaluate(() => window.getSelection()?.removeAllRanges());
}
