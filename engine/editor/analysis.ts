/**
 * Re-use of the engine's analysis while only positions change: a drag moves nodes on every
 * pointer event, and shapes, diagnostics and param counts do not depend on where nodes sit.
 */
import type { GraphDoc } from '../graph';
import type { NodeRegistry } from '../spec';
import { analyzeGraph, type GraphAnalysis } from '../validate';

/**
 * True when two documents differ at most in node positions (and graph name/description): same
 * nodes in the same order with the same kind, label, params object and frozen flag, same edges.
 * Relies on edits sharing unchanged objects, as `engine/editor/mutations` does.
 */
export function sameSemantics(a: GraphDoc, b: GraphDoc): boolean {
  if (a === b) return true;
  if (a.nodes.length !== b.nodes.length || a.edges.length !== b.edges.length) return false;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i];
    const y = b.nodes[i];
    if (x === y) continue;
    if (x.id !== y.id || x.kind !== y.kind || x.label !== y.label || x.params !== y.params || x.frozen !== y.frozen) return false;
  }
  if (a.edges === b.edges) return true;
  for (let i = 0; i < a.edges.length; i++) if (a.edges[i] !== b.edges[i]) return false;
  return true;
}

/** A memo for {@link analyzeGraph} that skips re-analysis when only positions moved. */
export function createAnalysisCache(registry: NodeRegistry) {
  let lastGraph: GraphDoc | null = null;
  let last: GraphAnalysis | null = null;
  return function analyze(graph: GraphDoc): GraphAnalysis {
    if (last && lastGraph && sameSemantics(lastGraph, graph)) {
      lastGraph = graph;
      return last;
    }
    last = analyzeGraph(graph, registry);
    lastGraph = graph;
    return last;
  };
}
