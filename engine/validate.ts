/**
 * Validation and shape inference: one pass over a graph that gives every port of every node its
 * tensor type and reports every problem as a diagnostic. Pure and synchronous, so that the
 * canvas can run it on every edit and `canConnect` on every pointer move.
 */
import { error, warning, type Diagnostic } from './diagnostics';
import { MAX_GRAPH_DEPTH, type GraphDoc, type GraphEdge } from './graph';
import type { AnyNodeSpec, InferInputs, NodePorts, NodeRegistry, PortSpec, TensorType } from './spec';
import { formatShape } from './spec';

/** What the analysis knows about one node. */
export interface NodeAnalysis {
  /** Absent when the kind is unknown. */
  spec?: AnyNodeSpec;
  /** Params parsed with defaults filled in; absent when they do not parse. */
  params?: Record<string, unknown>;
  ports?: NodePorts;
  /** Types arriving on each input port, one per valid edge, in edge order. */
  inputs: InferInputs;
  /** Type on each output port; empty when the node cannot be typed. */
  outputs: Record<string, TensorType>;
  /** Valid incoming edges by target port, in document order. */
  incoming: Record<string, GraphEdge[]>;
  /** True when the node feeds a head or model-level fusion node (or is one). */
  reachesOutput: boolean;
}

export interface GraphAnalysis {
  diagnostics: Diagnostic[];
  nodes: ReadonlyMap<string, NodeAnalysis>;
  /** Node ids in a topological order (nodes on a cycle are left out). */
  order: string[];
  /** Edges that join existing ports (the others have diagnostics). */
  validEdges: GraphEdge[];
}

/** True for nodes whose output is a model output: heads and model-level fusion. */
export function isOutputNode(spec: AnyNodeSpec | undefined): boolean {
  return spec !== undefined && (spec.category === 'head' || spec.category === 'late');
}

function findPort(ports: PortSpec[] | undefined, id: string): PortSpec | undefined {
  return ports?.find((p) => p.id === id);
}

function formatIssuePath(path: PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/**
 * Analyse a graph: parse params, check edges, find cycles, infer every tensor type, and check
 * that inputs reach heads. Never throws.
 */
export function analyzeGraph(graph: GraphDoc, registry: NodeRegistry): GraphAnalysis {
  const diagnostics: Diagnostic[] = [];
  const nodes = new Map<string, NodeAnalysis>();
  /** An entry every node id has (all are set in step 1). */
  const at = (id: string): NodeAnalysis => nodes.get(id) as NodeAnalysis;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));

  // 1. Kinds, params, ports.
  graph.nodes.forEach((node, index) => {
    const entry: NodeAnalysis = { inputs: {}, outputs: {}, incoming: {}, reachesOutput: false };
    nodes.set(node.id, entry);
    const spec = registry.get(node.kind);
    if (!spec) {
      diagnostics.push(error('unknown-kind', `Node "${node.label || node.id}" has kind "${node.kind.slice(0, 100)}", which this FusionLab does not know.`, { nodeId: node.id, path: ['nodes', index, 'kind'] }));
      return;
    }
    entry.spec = spec;
    const parsed = spec.params.safeParse(node.params);
    if (!parsed.success) {
      for (const iss of parsed.error.issues.slice(0, 10)) {
        const field = formatIssuePath(iss.path);
        diagnostics.push(
          error('bad-params', `${spec.label} "${node.label || node.id}": param "${field}" — ${iss.message}.`, {
            nodeId: node.id,
            path: ['params', ...iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
          }),
        );
      }
      return;
    }
    entry.params = parsed.data as Record<string, unknown>;
    try {
      entry.ports = spec.ports(parsed.data);
    } catch (e) {
      diagnostics.push(error('infer-failed', `${spec.label} "${node.label || node.id}" could not list its ports: ${String(e)}`, { nodeId: node.id }));
    }
  });

  // 2. Edges.
  const validEdges: GraphEdge[] = [];
  const seenPairs = new Set<string>();
  graph.edges.forEach((edge, index) => {
    const src = nodes.get(edge.source);
    const dst = nodes.get(edge.target);
    if (!byId.has(edge.source) || !byId.has(edge.target)) {
      const missing = !byId.has(edge.source) ? edge.source : edge.target;
      diagnostics.push(error('edge-unknown-node', `Edge "${edge.id}" joins node "${missing}", which does not exist.`, { edgeId: edge.id, path: ['edges', index] }));
      return;
    }
    if (edge.source === edge.target) {
      diagnostics.push(error('self-loop', `Edge "${edge.id}" joins node "${edge.source}" to itself.`, { edgeId: edge.id, nodeId: edge.source }));
      return;
    }
    if (!src?.ports || !dst?.ports) return; // the node's own diagnostic explains why
    if (!findPort(src.ports.outputs, edge.sourcePort)) {
      diagnostics.push(error('edge-unknown-port', `Edge "${edge.id}": node "${edge.source}" has no output port "${edge.sourcePort}".`, { edgeId: edge.id, nodeId: edge.source, portId: edge.sourcePort }));
      return;
    }
    if (!findPort(dst.ports.inputs, edge.targetPort)) {
      diagnostics.push(error('edge-unknown-port', `Edge "${edge.id}": node "${edge.target}" has no input port "${edge.targetPort}".`, { edgeId: edge.id, nodeId: edge.target, portId: edge.targetPort }));
      return;
    }
    const pair = `${edge.source}\u0000${edge.sourcePort}\u0000${edge.target}\u0000${edge.targetPort}`;
    if (seenPairs.has(pair)) {
      diagnostics.push(error('duplicate-edge', `Edge "${edge.id}" repeats a connection that already exists.`, { edgeId: edge.id, nodeId: edge.target, portId: edge.targetPort }));
      return;
    }
    seenPairs.add(pair);
    validEdges.push(edge);
    (dst.incoming[edge.targetPort] ??= []).push(edge);
  });

  // 3. Fan-in limits and missing inputs.
  for (const node of graph.nodes) {
    const entry = at(node.id);
    if (!entry.ports || !entry.spec) continue;
    for (const port of entry.ports.inputs) {
      const count = entry.incoming[port.id]?.length ?? 0;
      const name = `${entry.spec.label} "${node.label || node.id}"`;
      if (!port.multiple && count > 1) {
        diagnostics.push(error('too-many-inputs', `${name}: input "${port.label}" takes one connection, but has ${count}. Fuse them first with a fusion node.`, { nodeId: node.id, portId: port.id }));
      } else if (port.multiple && port.maxConnections !== undefined && count > port.maxConnections) {
        diagnostics.push(error('too-many-inputs', `${name}: input "${port.label}" takes at most ${port.maxConnections} connections, but has ${count}.`, { nodeId: node.id, portId: port.id }));
      }
      if (count === 0 && !port.optional) {
        diagnostics.push(error('missing-input', `${name}: connect something to input "${port.label}" (it takes ${port.accepts.join(' or ')}).`, { nodeId: node.id, portId: port.id }));
      } else if (port.multiple && count > 0 && count < (port.minConnections ?? 1)) {
        diagnostics.push(error('too-few-inputs', `${name}: input "${port.label}" fuses at least ${port.minConnections} connections, but has ${count}. Connect another branch.`, { nodeId: node.id, portId: port.id }));
      }
    }
  }

  // 4. Topological order (Kahn); whatever is left lies on or behind a cycle.
  const indegree = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  const outgoing = new Map<string, GraphEdge[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of validEdges) {
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
    outgoing.get(e.source)?.push(e);
  }
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (queue.length) {
    const id = queue.shift() as string;
    order.push(id);
    for (const e of outgoing.get(id) ?? []) {
      const d = (indegree.get(e.target) ?? 0) - 1;
      indegree.set(e.target, d);
      if (d === 0) queue.push(e.target);
    }
  }
  if (order.length < graph.nodes.length) {
    const ordered = new Set(order);
    const onCycle = findCycleNodes(graph.nodes.map((n) => n.id).filter((id) => !ordered.has(id)), outgoing);
    for (const id of onCycle) {
      diagnostics.push(error('cycle', `Node "${byId.get(id)?.label || id}" is on a cycle: its output flows back into its own input. Remove one of the edges of the loop.`, { nodeId: id }));
    }
  }

  // 5. Shape inference in topological order.
  for (const id of order) {
    const entry = at(id);
    if (!entry.spec || !entry.params || !entry.ports) continue;
    const node = byId.get(id);
    const name = `${entry.spec.label} "${node?.label || id}"`;
    let ready = true;
    const inputs: InferInputs = {};
    for (const port of entry.ports.inputs) {
      inputs[port.id] = [];
      for (const e of entry.incoming[port.id] ?? []) {
        const t = at(e.source).outputs[e.sourcePort];
        if (!t) {
          ready = false;
          continue;
        }
        if (!port.accepts.includes(t.kind)) {
          diagnostics.push(error('incompatible-kind', `${name}: input "${port.label}" takes ${port.accepts.join(' or ')}, but "${e.source}" sends ${t.kind} [${formatShape(t.shape)}].`, { nodeId: id, edgeId: e.id, portId: port.id }));
          ready = false;
          continue;
        }
        inputs[port.id].push(t);
      }
      const need = port.optional ? 0 : port.multiple ? (port.minConnections ?? 1) : 1;
      if (inputs[port.id].length < need) ready = false;
    }
    entry.inputs = inputs;
    if (!ready) continue;
    try {
      const res = entry.spec.infer(inputs, entry.params);
      if (res.ok) {
        entry.outputs = res.outputs;
        for (const d of res.diagnostics ?? []) diagnostics.push({ ...d, nodeId: id, message: `${name}: ${d.message}` });
      } else {
        for (const d of res.diagnostics) diagnostics.push({ ...d, nodeId: id, message: `${name}: ${d.message}` });
      }
    } catch (e) {
      diagnostics.push(error('infer-failed', `${name} could not work out its output shape: ${e instanceof Error ? e.message : String(e)}`, { nodeId: id }));
    }
  }

  // 5b. Depth: tfjs assembles and runs a model by recursing along its longest chain, which
  // overflows the stack somewhere past 4,000 layers; a bounded depth keeps that a diagnostic.
  const depth = new Map<string, number>();
  let deepest: string | undefined;
  for (const id of order) {
    let d = 1;
    for (const edges of Object.values(at(id).incoming)) for (const e of edges) d = Math.max(d, (depth.get(e.source) ?? 0) + 1);
    depth.set(id, d);
    if (deepest === undefined || d > (depth.get(deepest) ?? 0)) deepest = id;
  }
  if (deepest !== undefined && (depth.get(deepest) ?? 0) > MAX_GRAPH_DEPTH) {
    diagnostics.push(error('graph-too-deep', `The graph is ${depth.get(deepest)} nodes deep (its longest chain ends at "${byId.get(deepest)?.label || deepest}"); FusionLab builds graphs up to ${MAX_GRAPH_DEPTH} nodes deep. Shorten the chain, e.g. one Dense node with more layers instead of many Dense nodes.`, { nodeId: deepest }));
  }

  // 6. Heads, inputs and reachability.
  const outputIds = graph.nodes.filter((n) => isOutputNode(at(n.id).spec)).map((n) => n.id);
  const incomingAll = new Map<string, GraphEdge[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of validEdges) incomingAll.get(e.target)?.push(e);
  const stack = [...outputIds];
  while (stack.length) {
    const id = stack.pop() as string;
    if (at(id).reachesOutput) continue;
    at(id).reachesOutput = true;
    for (const e of incomingAll.get(id) ?? []) stack.push(e.source);
  }
  if (graph.nodes.length > 0) {
    if (!graph.nodes.some((n) => at(n.id).spec?.category === 'head')) {
      diagnostics.push(error('no-head', 'The graph has no head, so it predicts nothing. Add a head (e.g. "Classify") and connect your fused features to it.'));
    }
    if (!graph.nodes.some((n) => at(n.id).spec?.category === 'input')) {
      diagnostics.push(error('no-input', 'The graph has no input node. Add an input for each column of your data.'));
    }
  }
  for (const node of graph.nodes) {
    const entry = at(node.id);
    if (!entry.spec || entry.reachesOutput || outputIds.length === 0) continue;
    if (entry.spec.category === 'input') {
      diagnostics.push(warning('input-unused', `Input "${node.label || node.id}" reaches no head, so the model ignores it. Connect it through an encoder to a fusion node or a head, or delete it.`, { nodeId: node.id }));
    } else {
      diagnostics.push(warning('node-unused', `${entry.spec.label} "${node.label || node.id}" feeds no head, so it is left out of the model.`, { nodeId: node.id }));
    }
  }

  // 7. Model-level fusion joins heads that predict the same thing.
  for (const node of graph.nodes) {
    const entry = at(node.id);
    if (entry.spec?.category !== 'late') continue;
    const labels = new Map<string, string>();
    for (const edges of Object.values(entry.incoming)) {
      for (const e of edges) {
        const src = at(e.source);
        const column = labelColumnOf(e.source, nodes);
        if (column !== undefined) labels.set(e.source, column);
        if (src.spec && src.spec.category !== 'head' && src.spec.category !== 'late') {
          diagnostics.push(error('incompatible-kind', `Model-level fusion "${node.label || node.id}" combines predictions of heads; "${e.source}" is not a head.`, { nodeId: node.id, edgeId: e.id }));
        }
      }
    }
    const distinct = new Set(labels.values());
    if (distinct.size > 1) {
      const list = [...labels.entries()].map(([h, c]) => `"${h}" predicts "${c}"`).join(', ');
      diagnostics.push(error('late-mixed-labels', `Model-level fusion "${node.label || node.id}" joins heads that predict different labels (${list}). Every branch head must name the same label column.`, { nodeId: node.id }));
    }
  }

  return { diagnostics, nodes, order, validEdges };
}

/** The label column a head (or a late node, through its first head) predicts. */
export function labelColumnOf(nodeId: string, nodes: ReadonlyMap<string, NodeAnalysis>, depth = 0): string | undefined {
  const entry = nodes.get(nodeId);
  if (!entry?.spec || !entry.params || depth > 50) return undefined;
  if (entry.spec.head) return entry.spec.head.labelColumn(entry.params);
  if (entry.spec.category === 'late') {
    for (const edges of Object.values(entry.incoming)) {
      for (const e of edges) {
        const c = labelColumnOf(e.source, nodes, depth + 1);
        if (c !== undefined) return c;
      }
    }
  }
  return undefined;
}

/** Among nodes left out of a topological order, those that lie on a cycle (not just behind one). */
function findCycleNodes(candidates: string[], outgoing: Map<string, GraphEdge[]>): string[] {
  const set = new Set(candidates);
  const onCycle: string[] = [];
  for (const start of candidates) {
    // start is on a cycle when it can reach itself through candidate nodes.
    const seen = new Set<string>();
    const stack = (outgoing.get(start) ?? []).map((e) => e.target);
    let found = false;
    while (stack.length && !found) {
      const id = stack.pop() as string;
      if (id === start) found = true;
      else if (set.has(id) && !seen.has(id)) {
        seen.add(id);
        for (const e of outgoing.get(id) ?? []) stack.push(e.target);
      }
    }
    if (found) onCycle.push(start);
  }
  return onCycle;
}

/** A connection the canvas proposes while the user drags. */
export interface Connection {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export type ConnectCheck = { ok: true } | { ok: false; reason: string };

/**
 * Can this connection be made? Synchronous and cheap (the canvas calls it on every pointer
 * move): checks ports, kinds, fan-in and cycles. Shape problems are not refused here; they
 * show as diagnostics once connected, with how to fix them.
 */
export function canConnect(graph: GraphDoc, registry: NodeRegistry, c: Connection, analysis?: GraphAnalysis): ConnectCheck {
  const a = analysis ?? analyzeGraph(graph, registry);
  const src = a.nodes.get(c.source);
  const dst = a.nodes.get(c.target);
  if (!src || !dst) return { ok: false, reason: 'That node no longer exists.' };
  if (c.source === c.target) return { ok: false, reason: 'A node cannot feed itself.' };
  if (!src.ports || !dst.ports) return { ok: false, reason: 'Fix the node’s errors first.' };
  const out = findPort(src.ports.outputs, c.sourcePort);
  const inp = findPort(dst.ports.inputs, c.targetPort);
  if (!out) return { ok: false, reason: `"${c.source}" has no output "${c.sourcePort}".` };
  if (!inp) return { ok: false, reason: `"${c.target}" has no input "${c.targetPort}".` };
  const type = src.outputs[c.sourcePort];
  const kinds = type ? [type.kind] : out.accepts;
  if (!kinds.some((k) => inp.accepts.includes(k))) {
    const what = type ? `${type.kind} [${formatShape(type.shape)}]` : kinds.join(' or ');
    return { ok: false, reason: `${dst.spec?.label ?? 'This node'} input "${inp.label}" takes ${inp.accepts.join(' or ')}, not ${what}.` };
  }
  const existing = graph.edges.filter((e) => e.target === c.target && e.targetPort === c.targetPort);
  if (existing.some((e) => e.source === c.source && e.sourcePort === c.sourcePort)) return { ok: false, reason: 'These ports are already connected.' };
  if (!inp.multiple && existing.length >= 1) return { ok: false, reason: `Input "${inp.label}" already has a connection; it takes one. Delete that edge first, or fuse the branches with a fusion node.` };
  if (inp.multiple && inp.maxConnections !== undefined && existing.length >= inp.maxConnections) {
    return { ok: false, reason: `Input "${inp.label}" takes at most ${inp.maxConnections} connections.` };
  }
  if (reaches(graph, c.target, c.source)) return { ok: false, reason: 'That would make a cycle: the model must flow one way, from inputs to heads.' };
  return { ok: true };
}

/** Is `to` reachable from `from` along edges? */
function reaches(graph: GraphDoc, from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const n of out.get(id) ?? []) stack.push(n);
  }
  return false;
}
