/**
 * Runs every test/e2e/*.e2e.ts against the server at E2E_BASE_URL in headless Chromium and prints
 * `N passed, N failed`. Started by run.mjs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { registered, RESULTS_DIR, type TestContext } from './lib';

const baseURL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';
const filter = process.env.E2E_FILTER ?? '';
const dir = path.dirname(new URL(import.meta.url).pathname);

async function main(): Promise<number> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.e2e.ts')).sort();
  for (const f of files) {
    const before = registered.length;
    await import(pathToFileURL(path.join(dir, f)).href);
    for (let i = before; i < registered.length; i++) registered[i].name = `${f.replace(/\.e2e\.ts$/, '')} › ${registered[i].name}`;
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
      // A fake microphone (a beep) that needs no permission prompt, for the recording tests.
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  let passed = 0;
  let failed = 0;
  const host = new URL(baseURL).host;
  for (const tc of registered) {
    if (filter && !tc.name.includes(filter)) continue;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, deviceScaleFactor: 1 });
    const offsite: string[] = [];
    const pageErrors: string[] = [];
    // Offline by construction: any request that leaves the origin is blocked and recorded.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === host || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      offsite.push(url.href);
      return route.abort('blockedbyclient');
    });
    if (tc.storage) {
      await context.addInitScript((entries: Record<string, string>) => {
        if (sessionStorage.getItem('__e2e_seeded')) return;
        sessionStorage.setItem('__e2e_seeded', '1');
        for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
      }, tc.storage);
    }
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    const slug = tc.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const t: TestContext = {
      page,
      context,
      browser,
      baseURL,
      offsite,
      pageErrors,
      async screenshot(name) {
        const p = path.join(RESULTS_DIR, `${name}.png`);
        await page.screenshot({ path: p });
        return p;
      },
      async open(hash = '') {
        await page.goto(`${baseURL}/${hash}`);
        await page.waitForSelector('.app[data-ready="true"]', { timeout: 30_000 });
        await page.waitForSelector('.react-flow__node, .react-flow__pane', { timeout: 30_000 });
        // Wait until the initial fit-view has settled (the viewport transform stops changing).
        let last = '';
        let same = 0;
        for (let i = 0; i < 100 && same < 4; i++) {
          const now = await page.locator('.react-flow__viewport').getAttribute('style');
          same = now === last ? same + 1 : 0;
          last = now ?? '';
          await page.waitForTimeout(50);
        }
      },
    };
    const t0 = Date.now();
    try {
      await tc.fn(t);
      if (pageErrors.length) throw new Error(`the page reported errors:\n  ${pageErrors.join('\n  ')}`);
      if (offsite.length) throw new Error(`requests left the origin:\n  ${offsite.join('\n  ')}`);
      passed++;
      console.log(`  ✓ ${tc.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`  ✗ ${tc.name} (${Date.now() - t0} ms)\n    ${(e instanceof Error ? e.stack ?? e.message : String(e)).split('\n').slice(0, 6).join('\n    ')}`);
      await page.screenshot({ path: path.join(RESULTS_DIR, `FAILED-${slug}.png`) }).catch(() => undefined);
    }
    await context.close();
  }
  await browser.close();
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
