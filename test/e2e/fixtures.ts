/** Graph fixtures for the browser tests, built as documents and stored like the app's autosave. */
import { serializeGraph, type GraphDoc } from '../../engine/graph';
import { AUTOSAVE_KEY } from '../../engine/editor/storage';

export function chainGraph(): GraphDoc {
  return {
    format: 'fusionlab/graph',
    version: 1,
    name: 'E2E chain',
    description: 'A tabular input, a dense block and a classifier, plus a spare image input and dense block.',
    nodes: [
      { id: 'tab', kind: 'input.tabular', label: 'Table', params: { columns: ['a', 'b', 'c'] }, position: { x: 0, y: 0 }, frozen: false },
      { id: 'mlp', kind: 'encoder.dense', label: 'MLP', params: { units: 64 }, position: { x: 330, y: 0 }, frozen: false },
      { id: 'out', kind: 'head.classify', label: 'Classifier', params: { classes: 3 }, position: { x: 660, y: 0 }, frozen: false },
      { id: 'img', kind: 'input.image', label: 'Picture', params: {}, position: { x: 0, y: 300 }, frozen: false },
      { id: 'mlp2', kind: 'encoder.dense', label: 'Spare MLP', params: {}, position: { x: 330, y: 300 }, frozen: false },
    ],
    edges: [
      { id: 'e1', source: 'tab', sourcePort: 'out', target: 'mlp', targetPort: 'in' },
      { id: 'e2', source: 'mlp', sourcePort: 'out', target: 'out', targetPort: 'in' },
    ],
  };
}

/** Every node on top of each other, for the auto-layout test. */
export function pileGraph(): GraphDoc {
  const g = chainGraph();
  return { ...g, name: 'E2E pile', nodes: g.nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })) };
}

export function storageWith(graph: GraphDoc): Record<string, string> {
  return { [AUTOSAVE_KEY]: serializeGraph(graph) };
}
