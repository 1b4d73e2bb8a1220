import { chromium } from 'playwright-core';
import { serializeGraph } from './engine/graph';
import { generateLargeGraph } from './bench/large-graph';
// @ts-expect-error plain mjs
import { startServer } from './test/e2e/server.mjs';
const server = await startServer(process.cwd());
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
await context.addInitScript(`localStorage.setItem('fusionlab.graph', ${JSON.stringify(serializeGraph(generateLargeGraph(300)))})`);
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
const t0 = Date.now();
await page.goto(server.baseURL);
await page.waitForFunction(`document.querySelectorAll('.react-flow__edge').length > 0`, undefined, { polling: 'raf', timeout: 60000 });
console.log('first render wall', Date.now() - t0, 'ms', await page.evaluate('performance.now()'));
const { profile } = await cdp.send('Profiler.stop');
// self time per function
const byId = new Map(profile.nodes.map((n: any) => [n.id, n]));
const self = new Map<string, number>();
const dt = profile.timeDeltas as number[];
profile.samples.forEach((id: number, i: number) => {
  const n: any = byId.get(id);
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
});
console.log([...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms  ${k}`).join('\n'));
await page.locator('[data-testid="node-b0_d0"] .fnode-title').click({ force: true });
await page.waitForTimeout(2000);
await cdp.send('Profiler.start');
for (let i = 0; i < 5; i++) { await page.getByTestId('param-units').fill(String(30 + i)); await page.waitForTimeout(100); }
const p2 = (await cdp.send('Profiler.stop')).profile;
const byId2 = new Map(p2.nodes.map((n: any) => [n.id, n]));
const self2 = new Map<string, number>();
p2.samples.forEach((id: number, i: number) => {
  const n: any = byId2.get(id);
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
  self2.set(key, (self2.get(key) ?? 0) + (p2.timeDeltas[i] ?? 0) / 1000);
});
console.log('--- edits');
console.log([...self2.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms  ${k}`).join('\n'));
await browser.close();
server.stop();
