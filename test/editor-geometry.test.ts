import { describe, expect, it } from 'vitest';
import { Position } from '@xyflow/react';
import { boundsOf, nodeHandles, nodeSize, NODE_WIDTH, PORT_H, portCenterY } from '../components/nodeGeometry';
import type { PortView } from '../engine/editor/view';

function port(id: string): PortView {
  return { id, label: id, kind: 'features', accepts: ['features'], shape: '', multiple: false, optional: false, connected: 0 };
}

describe('node geometry (sizes and handles handed to React Flow before measuring)', () => {
  it('grows by one row per port and keeps the width', () => {
    const one = nodeSize({ inputs: [], outputs: [port('out')] });
    const two = nodeSize({ inputs: [port('in')], outputs: [port('out')] });
    const four = nodeSize({ inputs: [port('a'), port('b'), port('c')], outputs: [port('out')] });
    expect(one.width).toBe(NODE_WIDTH);
    expect(two.height - one.height).toBe(PORT_H);
    expect(four.height - two.height).toBe(2 * PORT_H);
    // The sizes the DOM measured for a dense block and a tabular input (test/e2e/large-graph checks all).
    expect(two.height).toBe(133);
    expect(one.height).toBe(109);
  });

  it('puts inputs on the left and outputs on the right, one per row, in port order', () => {
    const h = nodeHandles({ inputs: [port('a'), port('b')], outputs: [port('out')] });
    expect(h.map((x) => [x.id, x.type, x.position])).toEqual([
      ['a', 'target', Position.Left],
      ['b', 'target', Position.Left],
      ['out', 'source', Position.Right],
    ]);
    const centre = (i: number) => h[i].y + (h[i].height ?? 0) / 2;
    expect([centre(0), centre(1), centre(2)]).toEqual([portCenterY(0), portCenterY(1), portCenterY(2)]);
    // Centred on the node's inner edges (inside the 1 px border).
    expect(h[0].x + (h[0].width ?? 0) / 2).toBe(1);
    expect(h[2].x + (h[2].width ?? 0) / 2).toBe(NODE_WIDTH - 1);
  });

  it('bounds every node box, and says null for an empty graph', () => {
    expect(boundsOf([])).toBeNull();
    const size = { width: 200, height: 100 };
    expect(boundsOf([{ position: { x: -50, y: 10 }, size }, { position: { x: 300, y: 400 }, size }])).toEqual({ x: -50, y: 10, width: 550, height: 490 });
  });
});
