/**
 * Editor benchmark: loads a generated 300-node graph in headless Chromium (production build) and
 * prints how long the editor takes to be interactive with it, and the re-render after a param
 * edit (target < 100 ms).
 *
 *   npx tsx --import ./scripts/raw-loader.mjs bench/editor.ts [--nodes 300] [--loads 3] [--edits 15] [--screenshot file.png]
 *
 * "Interactive" is when the canvas has settled: every node React Flow draws is in the DOM and
 * visible, edges are drawn, the viewport no longer moves, and no main-thread task longer than
 * 50 ms (a long task, which delays input) follows — the later of the last change on the canvas
 * and the end of the last long task, once 1.5 s have passed with neither. It is measured from
 * the editor's `fusionlab:graph-loaded` mark (the graph arriving from the project store) and
 * from navigation start, and the same for an 8-node graph shows what the app's own start costs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serializeGraph, type GraphDoc } from '../engine/graph';
import { AUTOSAVE_KEY } from '../engine/editor/storage';
import { generateLargeGraph } from './large-graph';
import { printTable, stats } from './table';
// @ts-expect-error -- plain ESM helper shared with the e2e runner, no type declarations
import { ensureBuild, startServer } from '../test/e2e/server.mjs';

const TARGET_MS = 1000;
const EDIT_TARGET_MS = 100;
const QUIET_MS = 1500;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function argText(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? null) : null;
}

/** What one load measured (milliseconds from navigation start unless said otherwise). */
interface Load {
  graphLoaded: number;
  settled: number;
  drawn: number;
  hidden: number;
  edges: number;
  /** Drawn nodes whose box lies wholly outside the canvas (should be 0 with culling on). */
  offscreen: number;
  zoom: number;
  /** Longest main-thread task after the graph loaded. */
  longestTask: number;
  /** Main-thread time in long tasks after the graph loaded. */
  longTaskTotal: number;
}

// Installed before the app's scripts: a frame-by-frame record of what the canvas shows and a
// long-task observer. A string, not a function: tsx's helpers (`__name`) do not exist in the page.
const PROBE = `(() => {
  const fl = { long: [], last: 0, state: null };
  window.__flBench = fl;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) fl.long.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  } catch {}
  let sig = '';
  const tick = () => {
    const nodes = document.querySelectorAll('.react-flow__node');
    let hidden = 0;
    for (const n of nodes) if (n.style.visibility === 'hidden') hidden++;
    const edges = document.querySelectorAll('.react-flow__edge').length;
    const vp = document.querySelector('.react-flow__viewport');
    const s = nodes.length + '/' + hidden + '/' + edges + '/' + (vp ? vp.style.transform : '');
    if (s !== sig) {
      sig = s;
      fl.last = performance.now();
      fl.state = { drawn: nodes.length, hidden, edges };
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

async function measureLoad(browser: Browser, baseURL: string, graph: GraphDoc, screenshot: string | null): Promise<{ load: Load; page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(`localStorage.setItem(${JSON.stringify(AUTOSAVE_KEY)}, ${JSON.stringify(serializeGraph(graph))})`);
  await context.addInitScript(PROBE);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(baseURL);
  const end = Date.now() + 60_000;
  let load: Load | null = null;
  while (Date.now() < end) {
    await page.waitForTimeout(200);
    const r = (await page.evaluate(`(() => {
      const fl = window.__flBench;
      const mark = performance.getEntriesByName('fusionlab:graph-loaded')[0];
      if (!fl.state || !mark) return null;
      const after = fl.long.filter(([s, d]) => s + d > mark.startTime);
      const lastLong = fl.long.reduce((m, [s, d]) => Math.max(m, s + d), 0);
      const pane = document.querySelector('.react-flow').getBoundingClientRect();
      let offscreen = 0;
      for (const n of document.querySelectorAll('.react-flow__node')) {
        const b = n.getBoundingClientRect();
        if (b.right < pane.left || b.left > pane.right || b.bottom < pane.top || b.top > pane.bottom) offscreen++;
      }
      const t = document.querySelector('.react-flow__viewport').style.transform;
      const zoom = Number((/scale\\(([^)]+)\\)/.exec(t) || [0, 1])[1]);
      return { now: performance.now(), graphLoaded: mark.startTime, quietSince: Math.max(fl.last, lastLong), ...fl.state, offscreen, zoom,
        longestTask: after.reduce((m, [, d]) => Math.max(m, d), 0), longTaskTotal: after.reduce((a, [, d]) => a + d, 0) };
    })()`)) as (Omit<Load, 'settled'> & { now: number; quietSince: number }) | null;
    if (!r || r.drawn === 0 || r.hidden > 0 || r.edges === 0) continue;
    if (r.now - r.quietSince < QUIET_MS) continue;
    load = { graphLoaded: r.graphLoaded, settled: r.quietSince, drawn: r.drawn, hidden: r.hidden, edges: r.edges, offscreen: r.offscreen, zoom: r.zoom, longestTask: r.longestTask, longTaskTotal: r.longTaskTotal };
    break;
  }
  if (!load) throw new Error(`the canvas did not settle within 60 s${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  if (screenshot) await page.screenshot({ path: screenshot });
  return { load, page, close: () => context.close() };
}

/** Zoom in on a node with the mouse wheel until nodes are drawn at full size around it. */
async function zoomTo(page: Page, nodeId: string): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const box = await page.getByTestId(`node-${nodeId}`).boundingBox();
    if (!box) throw new Error(`node ${nodeId} is not drawn`);
    if (box.width >= 180) return;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(150);
  }
  throw new Error(`could not zoom in on ${nodeId}`);
}

/** Edit the width of dense block `b<branch>_d0`, timing until `b<branch>_d1` shows the new input width. */
async function measureEdits(page: Page, branch: number, edits: number): Promise<number[]> {
  const src = `b${branch}_d0`;
  const dst = `b${branch}_d1`;
  await zoomTo(page, src);
  await page.locator(`[data-testid="node-${dst}"] .fport.in .fport-shape`).waitFor();
  await page.locator(`[data-testid="node-${src}"] .fnode-title`).click({ force: true });
  await page.getByTestId('param-units').waitFor();
  const times: number[] = [];
  for (let i = 0; i < edits; i++) {
    const value = String(20 + i);
    // Until the next node's input shape shows the new width, and the frame after that.
    const ms = (await page.evaluate(`new Promise((resolve, reject) => {
      const v = ${JSON.stringify(value)};
      const input = document.querySelector('[data-testid="param-units"]');
      const target = document.querySelector('[data-testid="node-${dst}"] .fport.in .fport-shape');
      if (!input || !target) return reject(new Error('bench elements missing'));
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const t0 = performance.now();
      const obs = new MutationObserver(() => {
        if (target.textContent === v) {
          obs.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        }
      });
      obs.observe(target, { characterData: true, childList: true, subtree: true });
      input.focus();
      setter.call(input, v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      setTimeout(() => reject(new Error('no re-render within 5 s')), 5000);
    })`)) as number;
    times.push(ms);
    await page.waitForTimeout(400); // let the worker's parameter count land between edits
  }
  return times;
}

const ms = (x: number) => `${Math.round(x).toLocaleString('en')} ms`;

async function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (!ensureBuild(root)) throw new Error('next build failed');
  const server = await startServer(root);
  if (!server.ok) throw new Error(`server did not start:\n${server.log()}`);
  const graph = generateLargeGraph(arg('nodes', 300));
  const small = generateLargeGraph(8);
  const loads = Math.max(1, arg('loads', 3));
  const edits = arg('edits', 15);
  const shot = argText('screenshot');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    // Alternate the small and the large graph so that both see the same machine load.
    const big: Load[] = [];
    const tiny: Load[] = [];
    let editTimes: number[] = [];
    for (let i = 0; i < loads; i++) {
      const s = await measureLoad(browser, server.baseURL, small, null);
      tiny.push(s.load);
      await s.close();
      const b = await measureLoad(browser, server.baseURL, graph, i === 0 ? shot : null);
      big.push(b.load);
      // A branch in the middle: the fitted view of a tall graph may clip the first and last ones.
      if (i === loads - 1) editTimes = await measureEdits(b.page, Math.floor(graph.nodes.filter((n) => n.kind === 'input.tabular').length / 2), edits);
      await b.close();
    }
    const med = (xs: number[]) => stats(xs).median;
    const afterLoad = med(big.map((l) => l.settled - l.graphLoaded));
    const e = stats(editTimes);
    const last = big[big.length - 1];
    printTable(
      `Editor benchmark — ${graph.nodes.length} nodes, ${graph.edges.length} edges, headless Chromium ${browser.version()}, production build, medians of ${loads} loads`,
      [
        ['measure', 'value', 'target'],
        ['nodes drawn after load (fitted view; off-screen nodes are not rendered)', `${last.drawn} of ${graph.nodes.length} (${last.offscreen} off screen), zoom ${last.zoom.toFixed(2)}`, ''],
        [`${graph.nodes.length} nodes interactive after the graph loads (graph loaded → drawn and no long task)`, ms(afterLoad), `≤ ${ms(TARGET_MS)} (${afterLoad <= TARGET_MS ? 'met' : 'NOT met'})`],
        [`  each load`, big.map((l) => ms(l.settled - l.graphLoaded)).join(', '), ''],
        [`navigation → ${graph.nodes.length} nodes interactive`, ms(med(big.map((l) => l.settled))), ''],
        [`navigation → ${small.nodes.length} nodes interactive (the app's own start)`, ms(med(tiny.map((l) => l.settled))), ''],
        ['longest main-thread task after the graph loads', ms(med(big.map((l) => l.longestTask))), '≤ 50 ms is never felt'],
        ['main-thread time in long tasks after the graph loads', ms(med(big.map((l) => l.longTaskTotal))), ''],
        [`re-render after a param edit, median of ${edits}`, `${e.median.toFixed(1)} ms`, `< ${EDIT_TARGET_MS} ms (${e.median < EDIT_TARGET_MS ? 'met' : 'NOT met'})`],
        ['re-render after a param edit, p90', `${e.p90.toFixed(1)} ms`, ''],
      ],
    );
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
