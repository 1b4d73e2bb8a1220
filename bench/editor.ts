/**
 * Editor benchmark: loads a generated 300-node graph in headless Chromium (production build)
 * and prints the time to first render and to re-render after a param edit (target < 100 ms).
 *
 *   npx tsx bench/editor.ts [--nodes 300] [--edits 15]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serializeGraph } from '../engine/graph';
import { AUTOSAVE_KEY } from '../engine/editor/storage';
import { generateLargeGraph } from './large-graph';
// @ts-expect-error -- plain ESM helper shared with the e2e runner, no type declarations
import { ensureBuild, startServer } from '../test/e2e/server.mjs';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
}

async function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (!ensureBuild(root)) throw new Error('next build failed');
  const server = await startServer(root);
  if (!server.ok) throw new Error(`server did not start:\n${server.log()}`);
  const graph = generateLargeGraph(arg('nodes', 300));
  const edits = arg('edits', 15);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(`localStorage.setItem(${JSON.stringify(AUTOSAVE_KEY)}, ${JSON.stringify(serializeGraph(graph))})`);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // First render: navigation start → every drawn node measured and visible.
    await page.goto(server.baseURL);
    await page.waitForFunction(
      `(() => { const els = document.querySelectorAll('.react-flow__node'); return els.length > 0 && [...els].every((e) => e.style.visibility !== 'hidden') && document.querySelectorAll('.react-flow__edge').length > 0; })()`,
      undefined,
      { polling: 'raf', timeout: 60_000 },
    );
    const firstRender = (await page.evaluate('performance.now()')) as number;
    const drawn = await page.locator('.react-flow__node').count();

    // Param edit: change the width of the first dense block and time until the next node's input
    // shape shows it (and the frame after that).
    await page.locator('[data-testid="node-b0_d0"] .fnode-title').click({ force: true });
    await page.getByTestId('param-units').waitFor();
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const value = String(20 + i);
      // A string, not a function: tsx's helpers (`__name`) do not exist in the page.
      const ms = (await page.evaluate(`new Promise((resolve, reject) => {
        const v = ${JSON.stringify(value)};
        const input = document.querySelector('[data-testid="param-units"]');
        const target = document.querySelector('[data-testid="node-b0_d1"] .fport.in .fport-shape');
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
    const s = stats(times);
    console.log(`\nEditor benchmark — ${graph.nodes.length} nodes, ${graph.edges.length} edges, headless Chromium, production build\n`);
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| nodes drawn | ${drawn} |`);
    console.log(`| time to first render (navigation → all nodes measured) | ${firstRender.toFixed(0)} ms |`);
    console.log(`| re-render after a param edit, median of ${edits} | ${s.median.toFixed(1)} ms |`);
    console.log(`| re-render after a param edit, p90 / max | ${s.p90.toFixed(1)} / ${s.max.toFixed(1)} ms |`);
    console.log(`| target for the edit | < 100 ms (${s.median < 100 ? 'met' : 'NOT met'}) |`);
    if (errors.length) console.log(`\npage errors: ${errors.join('; ')}`);
    await context.close();
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
