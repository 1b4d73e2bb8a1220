/**
 * Parameter counts of single nodes, for graphs that do not compile yet (a half-built graph still
 * shows what each typed node weighs). Each node is built alone on symbolic inputs of its
 * inferred input types, the same way the compiler builds it, without weights (shapes only, so a
 * huge node costs nothing), and the small model is dropped. The compiler's summary stays the
 * source of truth for a graph that compiles.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { GraphDoc } from '../graph';
import type { BuildContext } from '../spec';
import type { GraphAnalysis } from '../validate';
import { measureModel, withoutWeights } from '../model-size';

let unique = 0;

/** Counts for every node whose types are known (input nodes count 0); others are left out. */
export function countNodeParams(graph: GraphDoc, analysis: GraphAnalysis, tf: typeof tfTypes): Record<string, number> {
  const out: Record<string, number> = {};
  for (const node of graph.nodes) {
    const a = analysis.nodes.get(node.id);
    if (!a?.spec || !a.params || !a.ports || Object.keys(a.outputs).length === 0) continue;
    if (a.spec.category === 'input') {
      out[node.id] = 0;
      continue;
    }
    const prefix = `${node.id}__pc${++unique}`;
    try {
      const all: tfTypes.SymbolicTensor[] = [];
      const inputs: Record<string, tfTypes.SymbolicTensor[]> = {};
      for (const port of a.ports.inputs) {
        inputs[port.id] = (a.inputs[port.id] ?? []).map((t, i) => {
          const x = tf.input({ shape: t.shape, name: `${prefix}_in_${port.id}_${i}` });
          all.push(x);
          return x;
        });
      }
      const ctx: BuildContext = {
        tf,
        nodeId: node.id,
        name: (suffix: string) => `${prefix}__${suffix}`,
        seed: () => 1,
        inputTypes: a.inputs,
        outputTypes: a.outputs,
        assets: new Map(),
      };
      const spec = a.spec;
      const params = a.params;
      const model = withoutWeights(tf, () => tf.model({ inputs: all, outputs: Object.values(spec.build(ctx, inputs, params)) }));
      out[node.id] = measureModel(model).params;
      model.dispose();
    } catch {
      // A node that needs something absent here (e.g. a pretrained model's file) has no count.
    }
  }
  return out;
}
