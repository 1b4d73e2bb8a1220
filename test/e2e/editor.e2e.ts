/** Issue 3's browser tests: the canvas editor on the production build. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readShareHash, shareHash } from '../../engine/editor/share';
import { defaultTemplate, templates } from '../../templates';
import { chainGraph, pileGraph, storageWith } from './fixtures';
import { assert, assertEqual, clickNode, dragBetween, edgeCount, nodeCount, RESULTS_DIR, test, waitFor } from './lib';

const chain = storageWith(chainGraph());

test('first visit opens a template; the editor has its panels', async ({ page, open, screenshot }) => {
  await open();
  assert((await nodeCount(page)) > 0, 'a template is on the canvas');
  assertEqual(await page.getByTestId('toolbar-graph-name').textContent(), defaultTemplate()?.name ?? '', 'the first visit opens the demo template');
  for (const id of ['canvas', 'inspector', 'diagnostics']) assert(await page.getByTestId(id).isVisible(), `${id} is visible`);
  assert((await page.locator('[data-testid^="palette-item-"]').count()) > 5, 'the palette lists node kinds');
  await page.waitForTimeout(800);
  await screenshot('editor-first-visit');
});

test('drag a node from the palette onto the canvas', async ({ page, open }) => {
  await open();
  const before = await nodeCount(page);
  await page.dragAndDrop('[data-testid="palette-item-encoder.dense"]', '[data-testid="canvas"]', { targetPosition: { x: 420, y: 260 } });
  await waitFor(async () => (await nodeCount(page)) === before + 1, 'one more node');
  // The new node is selected, so the inspector shows its params.
  await waitFor(() => page.getByTestId('param-units').isVisible(), 'the inspector shows the new node');
}, { storage: chain });

test('connect two compatible ports', async ({ page, open }) => {
  await open();
  assertEqual(await edgeCount(page), 2, 'edges before');
  await dragBetween(page, '[data-testid="handle-tab-out-out"]', '[data-testid="handle-mlp2-in-in"]');
  await waitFor(async () => (await edgeCount(page)) === 3, 'a new edge');
  // The spare dense block now knows its input shape.
  await waitFor(async () => (await page.locator('[data-testid="node-mlp2"] .fport.in .fport-shape').textContent()) === '3', 'input shape 3 on the new edge target');
  await waitFor(async () => (await page.locator('.react-flow__edge-text', { hasText: /^3$/ }).count()) >= 2, 'edges labelled with their shape');
}, { storage: chain });

test('an incompatible connection is refused with its reason', async ({ page, open, screenshot }) => {
  await open();
  await dragBetween(page, '[data-testid="handle-img-out-out"]', '[data-testid="handle-mlp2-in-in"]', { release: false });
  const status = await waitFor(async () => {
    const s = await page.getByTestId('connection-status').textContent();
    return s && /takes/.test(s) ? s : '';
  }, 'the refusal reason while dragging');
  assert(/image/.test(status), `the reason names the kind: ${status}`);
  await screenshot('connection-refused');
  await page.mouse.up();
  const toast = await waitFor(() => page.getByTestId('toast-error').textContent(), 'a toast with the reason');
  assert(/Cannot connect/.test(toast ?? '') && /image/.test(toast ?? ''), `toast: ${toast}`);
  assertEqual(await edgeCount(page), 2, 'no edge was made');
}, { storage: chain });

test('change a param: shapes downstream update; undo and redo', async ({ page, open }) => {
  await open();
  const outShape = page.getByTestId('shape-mlp-out');
  const headIn = page.locator('[data-testid="node-out"] .fport.in .fport-shape');
  assertEqual(await outShape.textContent(), '64', 'initial width');
  // The graph has an error elsewhere (the spare block), yet typed nodes show their parameter count.
  await waitFor(async () => (await page.getByTestId('params-mlp').textContent()) === '256 params', 'dense 3→64 has 256 params', 20_000);
  await clickNode(page, 'mlp');
  await page.getByTestId('param-units').fill('32');
  await waitFor(async () => (await outShape.textContent()) === '32', 'the dense output is 32 wide');
  await waitFor(async () => (await headIn.textContent()) === '32', 'the head input shows 32');
  await waitFor(async () => (await page.locator('.react-flow__edge-text', { hasText: /^32$/ }).count()) === 1, 'the edge label shows 32');
  await waitFor(async () => (await page.getByTestId('params-mlp').textContent()) === '128 params', 'the count follows: 3·32+32 = 128', 20_000);
  assertEqual(await page.getByTestId('inspector-out-out').textContent(), 'features 32', 'the inspector shows the output type');
  // Undo/redo from the keyboard, with focus on the canvas.
  await page.locator('.react-flow__pane').click({ position: { x: 600, y: 30 } });
  await page.keyboard.press('Control+z');
  await waitFor(async () => (await outShape.textContent()) === '64', 'undo restores 64');
  await page.keyboard.press('Control+Shift+z');
  await waitFor(async () => (await outShape.textContent()) === '32', 'redo gives 32 again');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+y');
  await waitFor(async () => (await outShape.textContent()) === '32', 'Ctrl+Y redoes');
  await page.getByTestId('btn-undo').click();
  await waitFor(async () => (await outShape.textContent()) === '64', 'the undo button works');
  await page.getByTestId('btn-redo').click();
  await waitFor(async () => (await outShape.textContent()) === '32', 'the redo button works');
}, { storage: chain });

test('rename a node; diagnostics select and centre their node; frozen toggle', async ({ page, open, screenshot }) => {
  await open();
  await clickNode(page, 'mlp');
  await page.getByTestId('node-name').fill('Wide MLP');
  await waitFor(async () => (await page.locator('[data-testid="node-mlp"] .fnode-title').textContent()) === 'Wide MLP', 'the node shows its new name');
  await page.getByTestId('node-frozen').check({ force: true });
  await waitFor(() => page.locator('[data-testid="node-mlp"] .fnode-badge.frozen').isVisible(), 'a frozen badge');
  // Click the problem about the spare dense block: it gets selected and the inspector shows it.
  await page.getByTestId('diagnostic-item').filter({ hasText: 'connect something' }).first().click();
  await waitFor(async () => (await page.locator('.react-flow__node.selected').getAttribute('data-id')) === 'mlp2', 'the node of the problem is selected');
  await waitFor(async () => (await page.getByTestId('node-name').inputValue()) === 'Spare MLP', 'the inspector shows it');
  await page.waitForTimeout(400);
  const box = await page.locator('.react-flow__node[data-id="mlp2"]').boundingBox();
  const canvas = await page.getByTestId('canvas').boundingBox();
  assert(box && canvas, 'on screen');
  const cx = box.x + box.width / 2 - (canvas.x + canvas.width / 2);
  const cy = box.y + box.height / 2 - (canvas.y + canvas.height / 2);
  assert(Math.abs(cx) < 30 && Math.abs(cy) < 30, `the node is centred (off by ${cx.toFixed(0)}, ${cy.toFixed(0)})`);
  await screenshot('diagnostic-centred');
  // Renaming is one undo step however many keystrokes it took.
  await page.locator('.react-flow__pane').click({ position: { x: 50, y: 50 } });
  await page.keyboard.press('Control+z'); // frozen
  await page.keyboard.press('Control+z'); // rename
  await waitFor(async () => (await page.locator('[data-testid="node-mlp"] .fnode-title').textContent()) === 'MLP', 'undo restores the old name in one step');
}, { storage: chain });

test('a whole drag is one undo step', async ({ page, open }) => {
  await open();
  const node = page.locator('.react-flow__node[data-id="mlp2"]');
  const before = await node.boundingBox();
  assert(before, 'node on screen');
  await dragBetween(page, '[data-testid="node-mlp2"] .fnode-title', '[data-testid="node-out"] .fnode-sub', { release: false });
  await page.mouse.move(before.x + 300, before.y + 40, { steps: 10 });
  await page.mouse.up();
  const after = await node.boundingBox();
  assert(after && Math.abs(after.x - before.x) > 100, 'the node moved');
  await page.keyboard.press('Control+z');
  await waitFor(async () => {
    const b = await node.boundingBox();
    return b && Math.abs(b.x - before.x) < 2 && Math.abs(b.y - before.y) < 2;
  }, 'one undo puts it back where it started');
}, { storage: chain });

test('copy and paste two connected nodes; box select; delete', async ({ page, open }) => {
  await open();
  await clickNode(page, 'mlp');
  await clickNode(page, 'out', ['Shift']);
  await waitFor(async () => (await page.locator('.react-flow__node.selected').count()) === 2, 'two nodes selected');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await waitFor(async () => (await nodeCount(page)) === 7, 'two pasted nodes');
  // The pasted edge is drawn once its nodes are measured, a frame or two after them.
  await waitFor(async () => (await edgeCount(page)) === 3, 'the edge between them was pasted too');
  await page.keyboard.press('Control+d');
  await waitFor(async () => (await nodeCount(page)) === 9, 'duplicate adds two more');
  assertEqual(await edgeCount(page), 4, 'with their edge');
  await page.keyboard.press('Delete');
  await waitFor(async () => (await nodeCount(page)) === 7, 'delete removes the duplicated pair');
  // Box select (Shift + drag on the pane) around the bottom row.
  const img = await page.locator('.react-flow__node[data-id="img"]').boundingBox();
  const spare = await page.locator('.react-flow__node[data-id="mlp2"]').boundingBox();
  assert(img && spare, 'bottom row on screen');
  await page.keyboard.down('Shift');
  await page.mouse.move(img.x - 20, img.y - 20);
  await page.mouse.down();
  await page.mouse.move(spare.x + spare.width + 20, spare.y + spare.height + 20, { steps: 10 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await waitFor(async () => (await page.locator('.react-flow__node.selected').count()) === 2, 'box select picks the two bottom nodes');
  await page.keyboard.press('Backspace');
  await waitFor(async () => (await nodeCount(page)) === 5, 'backspace deletes them');
}, { storage: chain });

test('auto-layout separates piled-up nodes', async ({ page, open, screenshot }) => {
  await open();
  await page.getByTestId('btn-layout').click();
  await page.waitForTimeout(500);
  const boxes = await page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
  assertEqual(boxes.length, 5, 'nodes');
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      assert(!overlap, `nodes ${i} and ${j} overlap after layout`);
    }
  await screenshot('auto-layout');
  await page.keyboard.press('Control+z');
  await page.waitForTimeout(300);
  const piled = await page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().left)));
  assertEqual(new Set(piled).size, 1, 'undo piles them up again');
}, { storage: storageWith(pileGraph()) });

test('reload restores the autosaved graph', async ({ page, open }) => {
  await open();
  const before = await nodeCount(page);
  await page.getByTestId('palette-item-encoder.dense').click();
  await waitFor(async () => (await nodeCount(page)) === before + 1, 'click adds a node');
  await page.getByTestId('param-units').fill('17');
  await page.waitForTimeout(700);
  await page.reload();
  await page.waitForSelector('.app[data-ready="true"]');
  await waitFor(async () => (await nodeCount(page)) === before + 1, 'the added node is back after reload');
  await clickNode(page, 'dense');
  assertEqual(await page.getByTestId('param-units').inputValue(), '17', 'its param after reload');
}, { storage: chain });

test('download the graph and open it again; a bad file changes nothing', async ({ page, open }) => {
  await open();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('btn-download').click()]);
  assert(download.suggestedFilename().endsWith('.json'), 'a .json file');
  const file = path.join(RESULTS_DIR, 'downloaded-graph.json');
  await download.saveAs(file);
  await clickNode(page, 'mlp2');
  await page.keyboard.press('Delete');
  await waitFor(async () => (await nodeCount(page)) === 4, 'a node deleted');
  await page.getByTestId('file-input').setInputFiles(file);
  await waitFor(async () => (await nodeCount(page)) === 5, 'the opened file brings it back');
  assertEqual(await page.getByTestId('toolbar-graph-name').textContent(), 'E2E chain', 'graph name');
  const bad = path.join(RESULTS_DIR, 'bad-graph.json');
  writeFileSync(bad, '{"format":"fusionlab/graph","version":1,"nodes":[{"id":"1x"}],"edges":[]}');
  await page.getByTestId('file-input').setInputFiles(bad);
  const toast = await waitFor(() => page.getByTestId('toast-error').textContent(), 'an error toast');
  assert(/bad-graph\.json/.test(toast ?? '') && /nothing was changed/.test(toast ?? ''), `toast: ${toast}`);
  assertEqual(await nodeCount(page), 5, 'the graph is unchanged');
}, { storage: chain });

test('open a share link; a damaged link overwrites nothing', async ({ page, open }) => {
  const shared = { ...pileGraph(), name: 'Shared by a friend' };
  await open(shareHash(shared));
  await waitFor(async () => (await page.getByTestId('toolbar-graph-name').textContent()) === 'Shared by a friend', 'the shared graph opened');
  assertEqual(await nodeCount(page), shared.nodes.length, 'its nodes');
  assert(!page.url().includes('#g='), 'the hash is cleared after opening');
  // The share button makes a link that decodes to the current graph.
  await page.getByTestId('btn-share').click();
  const link = await page.getByTestId('share-link').inputValue();
  const r = readShareHash(new URL(link).hash);
  assert(r?.ok && r.graph.name === 'Shared by a friend' && r.graph.nodes.length === shared.nodes.length, 'the share link round-trips');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(500); // autosave
  await open('#g=AAAAbroken');
  const toast = await waitFor(() => page.getByTestId('toast-error').textContent(), 'an error toast');
  assert(/share link/.test(toast ?? ''), `toast: ${toast}`);
  assertEqual(await page.getByTestId('toolbar-graph-name').textContent(), 'Shared by a friend', 'the previous graph is still there');
}, { storage: chain });

test('load every template', async ({ page, open, screenshot }) => {
  await open();
  assert(templates.length > 0, 'there are templates');
  for (const t of templates) {
    await page.getByTestId('btn-templates').click();
    await page.getByTestId('template-picker').waitFor();
    await page.getByTestId(`template-${t.id}`).click();
    await waitFor(async () => (await page.getByTestId('toolbar-graph-name').textContent()) === t.name, `template ${t.id} opened`);
    await waitFor(async () => (await nodeCount(page)) === t.graph.nodes.length, `${t.id}: every node drawn`);
    await waitFor(async () => (await edgeCount(page)) === t.graph.edges.length, `${t.id}: every edge drawn`);
    await waitFor(async () => /params/.test((await page.getByTestId('toolbar-params').textContent()) ?? '') && !/—/.test((await page.getByTestId('toolbar-params').textContent()) ?? ''), `${t.id}: parameter count`, 60_000);
    await page.waitForTimeout(400);
    await screenshot(`template-${t.id}`);
    if (t.id === templates[0].id) {
      await clickNode(page, t.graph.nodes[Math.min(2, t.graph.nodes.length - 1)].id);
      await page.waitForTimeout(300);
      await screenshot(`template-${t.id}-selected`);
    }
  }
  await page.getByTestId('btn-templates').click();
  await screenshot('template-picker');
});

test('offline: nothing leaves the origin and nothing fails', async ({ page, baseURL, offsite, pageErrors, screenshot }) => {
  const resp = await page.goto(baseURL);
  assertEqual(resp?.headers()['cross-origin-opener-policy'], 'same-origin', 'COOP header');
  assertEqual(resp?.headers()['cross-origin-embedder-policy'], 'require-corp', 'COEP header');
  await page.waitForSelector('.app[data-ready="true"]');
  assert(await page.evaluate(() => window.crossOriginIsolated), 'the page is cross-origin isolated');
  for (const t of templates) {
    await page.getByTestId('btn-templates').click();
    await page.getByTestId(`template-${t.id}`).click();
    await waitFor(async () => (await nodeCount(page)) === t.graph.nodes.length, `${t.id} drawn`);
  }
  const first = templates[templates.length - 1].graph.nodes[0].id;
  await clickNode(page, first);
  await waitFor(() => page.getByTestId('inspector').getByText('About').isVisible(), 'the doc renders');
  await waitFor(async () => /\d/.test((await page.getByTestId('toolbar-params').textContent()) ?? ''), 'the worker counted parameters', 60_000);
  await screenshot('offline');
  assertEqual(offsite, [], 'requests to other origins');
  assertEqual(pageErrors, [], 'page errors');
});

test('a share link asking for a billion parameters is judged from shapes: the budget error, the count, no weights', async ({ page, open, screenshot }) => {
  // A 1024×1024 image into an MLP of 1024 units: a 400-character link that took a tab to 4.5 GB
  // when counts were made by building real weights.
  const huge = {
    format: 'fusionlab/graph' as const,
    version: 1 as const,
    name: 'Huge from a link',
    description: '',
    nodes: [
      { id: 'img', kind: 'input.image', label: '', params: { width: 1024, height: 1024, channels: 1 }, position: { x: 0, y: 0 }, frozen: false },
      { id: 'mlp', kind: 'encoder.image-mlp', label: '', params: { units: 1024 }, position: { x: 260, y: 0 }, frozen: false },
      { id: 'h', kind: 'head.classify', label: '', params: { classes: 2 }, position: { x: 520, y: 0 }, frozen: false },
    ],
    edges: [
      { id: 'e1', source: 'img', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
      { id: 'e2', source: 'mlp', sourcePort: 'out', target: 'h', targetPort: 'in' },
    ],
  };
  await open(shareHash(huge));
  await waitFor(async () => (await page.getByTestId('toolbar-graph-name').textContent()) === 'Huge from a link', 'the shared graph opened');
  const item = await waitFor(async () => {
    const texts = await page.getByTestId('diagnostic-item').allTextContents();
    return texts.find((t) => /1,074,794,498 parameters/.test(t));
  }, 'the budget error is listed', 30_000);
  assert(/over the budget of 50,000,000/.test(item ?? '') && /"mlp" alone holds 1,074,792,448/.test(item ?? ''), `diagnostic: ${item}`);
  await waitFor(async () => /^1\.07B params$/.test((await page.getByTestId('toolbar-params').textContent()) ?? ''), 'the toolbar shows the parameter count');
  assertEqual(await page.getByTestId('graph-status').textContent(), '1 error', 'the budget error counts as an error');
  const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
  assert(heap < 500e6, `the page's heap stays small (${(heap / 1e6).toFixed(0)} MB)`);
  await page.getByTestId('diagnostics').screenshot({ path: path.join(RESULTS_DIR, 'editor-budget-diagnostic.png') }).catch(() => undefined);
  await screenshot('editor-budget');
});
