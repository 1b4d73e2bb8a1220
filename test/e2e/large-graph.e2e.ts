/**
 * Issue 17's browser tests: a 300-node graph (bench/large-graph.ts) opens fitted, draws only what
 * is on screen, draws it compact while zoomed out, and every node has the size and handles that
 * components/nodeGeometry.ts gave React Flow before it was measured.
 */
import { generateLargeGraph } from '../../bench/large-graph';
import { nodeView } from '../../engine/editor/view';
import { analyzeGraph } from '../../engine/validate';
import { registry } from '../../nodes';
import { nodeHandles, nodeSize } from '../../components/nodeGeometry';
import { storageWith } from './fixtures';
import { assert, assertEqual, test, waitFor } from './lib';
import type { Page } from 'playwright-core';

const graph = generateLargeGraph(300);
const analysis = analyzeGraph(graph, registry);
const views = new Map(graph.nodes.map((n) => [n.id, nodeView(n, analysis.nodes.get(n.id))]));

interface Drawn {
  id: string;
  compact: boolean;
  width: number;
  height: number;
  offscreen: boolean;
  /** Handle centres relative to the node's top-left corner, in flow units. */
  handles: { id: string; type: string; x: number; y: number }[];
}

/** Every node React Flow has in the DOM, measured the way React Flow measures it. */
async function drawn(page: Page): Promise<{ zoom: number; nodes: Drawn[] }> {
  return (await page.evaluate(`(() => {
    const t = document.querySelector('.react-flow__viewport').style.transform;
    const zoom = Number((/scale\\(([^)]+)\\)/.exec(t) || [0, 1])[1]);
    const pane = document.querySelector('.react-flow').getBoundingClientRect();
    const nodes = [...document.querySelectorAll('.react-flow__node')].map((el) => {
      const r = el.getBoundingClientRect();
      const handles = [...el.querySelectorAll('.react-flow__handle')].map((h) => {
        const b = h.getBoundingClientRect();
        return { id: h.dataset.handleid, type: h.classList.contains('source') ? 'source' : 'target', x: (b.left + b.width / 2 - r.left) / zoom, y: (b.top + b.height / 2 - r.top) / zoom };
      });
      return { id: el.dataset.id, compact: !!el.querySelector('.fnode.compact'), width: el.offsetWidth, height: el.offsetHeight,
        offscreen: r.right < pane.left || r.left > pane.right || r.bottom < pane.top || r.top > pane.bottom, handles };
    });
    return { zoom, nodes };
  })()`)) as { zoom: number; nodes: Drawn[] };
}

/** Each drawn node matches its computed geometry (so React Flow never had to re-measure it). */
function checkGeometry(nodes: Drawn[]): void {
  for (const d of nodes) {
    const v = views.get(d.id);
    assert(v, `a drawn node ${d.id} is in the graph`);
    const size = nodeSize(v);
    assertEqual(`${d.width}×${d.height}`, `${size.width}×${size.height}`, `size of ${d.id}${d.compact ? ' (compact)' : ''}`);
    const want = nodeHandles(v);
    assertEqual(d.handles.length, want.length, `handles of ${d.id}`);
    for (const h of want) {
      const got = d.handles.find((x) => x.id === h.id && x.type === h.type);
      assert(got, `${d.id} has its ${h.type} handle ${h.id}`);
      const cx = h.x + (h.width ?? 0) / 2;
      const cy = h.y + (h.height ?? 0) / 2;
      // Handles scale on hover and screen pixels round: half a pixel is the same place.
      assert(Math.abs(got.x - cx) <= 0.6 && Math.abs(got.y - cy) <= 0.6, `${d.id} ${h.type} ${h.id} at (${got.x.toFixed(1)}, ${got.y.toFixed(1)}), computed (${cx}, ${cy})`);
    }
  }
}

test('a 300-node graph opens fitted and compact; zoomed in, only the nodes on screen are drawn, at their computed sizes', async ({ page, open, screenshot }) => {
  await open();
  const fitted = await waitFor(async () => {
    const d = await drawn(page);
    return d.nodes.length > 0 && (await page.locator('.react-flow__edge').count()) > 0 ? d : null;
  }, 'the graph is drawn');
  assert(fitted, 'the graph is drawn');
  assert(fitted.zoom < 0.35, `the fitted view is zoomed out (zoom ${fitted.zoom})`);
  assert(fitted.nodes.every((n) => n.compact), 'zoomed out, every node is compact');
  assertEqual(fitted.nodes.filter((n) => n.offscreen).length, 0, 'no node off screen is drawn');
  assertEqual(fitted.nodes.length, graph.nodes.length, 'the fitted view shows the whole graph');
  assertEqual(await page.locator('.react-flow__edge-text').count(), 0, 'no edge labels while zoomed out');
  checkGeometry(fitted.nodes);
  await screenshot('large-graph-fitted');

  // Zoom in on a middle branch with the wheel, as a user would.
  const id = 'b28_d1';
  for (let i = 0; i < 12; i++) {
    const box = await page.getByTestId(`node-${id}`).boundingBox();
    assert(box, `${id} is drawn`);
    if (box.width >= 180) break;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(150);
  }
  const close = await waitFor(async () => {
    const d = await drawn(page);
    return d.zoom >= 0.9 && d.nodes.some((n) => n.id === id && !n.compact) ? d : null;
  }, 'zoomed in to full-size nodes');
  assert(close, 'zoomed in');
  assert(close.nodes.length < fitted.nodes.length / 4, `zoomed in, fewer nodes are drawn: ${close.nodes.length}`);
  assertEqual(close.nodes.filter((n) => n.offscreen).length, 0, 'no node off screen is drawn');
  assert(close.nodes.every((n) => !n.compact), 'zoomed in, nodes are full size');
  checkGeometry(close.nodes);
  // Full-size nodes show their shapes, their parameter count (from the worker) and edge labels.
  await waitFor(async () => (await page.getByTestId(`params-${id}`).textContent()) === '272 params', `${id}'s parameter count`);
  assertEqual(await page.getByTestId(`shape-${id}-out`).textContent(), '16', `${id}'s output shape`);
  assert((await page.locator('.react-flow__edge-text').count()) > 0, 'edges are labelled again');
  await screenshot('large-graph-zoomed');
}, { storage: storageWith(graph) });
