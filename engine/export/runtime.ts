/**
 * The custom-layer runtime of an export, put together from real files:
 *
 *   tfjs     ../layer-kit.ts, then each layer's own `layer.ts` (the code the app runs), imports dropped
 *   keras    templates/layers_keras.py, then each layer's `keras.py`
 *   pytorch  templates/layers_torch.py, templates/torch_rnn.py when a GRU/LSTM is used, each layer's `torch.py`
 *
 * A layer's sources come with it ({@link CustomLayerRef}, from the node kind's folder); engine/
 * holds only the shared helpers.
 */
import kitTs from '../layer-kit.ts?raw';
import type { CustomLayerRef, ExportTarget } from '../spec';
import kerasHead from './templates/layers_keras.py?raw';
import torchHead from './templates/layers_torch.py?raw';
import torchRnn from './templates/torch_rnn.py?raw';

const lf = (text: string): string => text.replace(/\r\n?/g, '\n');

/** The PyTorch classes engine/ itself provides (the recurrent layers as tfjs computes them). */
export const TORCH_RNN_CLASSES = ['TfjsGRU', 'TfjsLSTM', 'Bidirectional'] as const;

/** A TypeScript file without its leading file comment and its import declarations. */
export function tsBody(source: string): string {
  let s = lf(source);
  // The file comment describes the file, not the exported program.
  const end = s.indexOf('*/\n');
  if (s.startsWith('/**') && end > 0 && /^import\b/m.test(s.slice(end))) s = s.slice(end + 3);
  s = s.replace(/^import\b[^;]*;\n/gm, '');
  return s.replace(/^\n+/, '');
}

/** A Python file without its module docstring and its leading import lines. */
export function pyBody(source: string): string {
  let s = lf(source).replace(/^\s*"""[\s\S]*?"""\n/, '');
  s = s.replace(/^(?:(?:import |from )[^\n]*\n|\n)+/, '');
  return s;
}

/** The class name of a custom layer in exported code (`FusionLab>GatedFusion` → `GatedFusion`). */
export function layerClassName(layer: CustomLayerRef): string {
  return layer.className.slice('FusionLab>'.length);
}

/**
 * What a layer's source for `target` must define for the export to import it, or null when it
 * does: a `make<Name>(tf)` function (TypeScript) or a `class <Name>` (Python).
 */
export function runtimeProblem(layer: CustomLayerRef, target: ExportTarget): string | null {
  const name = layerClassName(layer);
  switch (target) {
    case 'tfjs':
      return new RegExp(`^export function make${name}\\(tf: TF\\)`, 'm').test(layer.tfjs) ? null : `make${name}(tf: TF)`;
    case 'keras':
      return new RegExp(`^class ${name}\\(`, 'm').test(layer.keras) ? null : `class ${name}`;
    case 'pytorch':
      return new RegExp(`^class ${name}\\(`, 'm').test(layer.pytorch) ? null : `class ${name}`;
    default: {
      const never: never = target;
      throw new Error(`unknown target ${String(never)}`);
    }
  }
}

/** The custom layer section of a tfjs export (empty when the model needs none). */
export function tfjsRuntime(layers: CustomLayerRef[]): string {
  if (layers.length === 0) return '';
  const parts = ['// ---- FusionLab custom layers: the code the app runs (same class names, weights and math) ----', '', tsBody(kitTs)];
  for (const layer of layers) {
    const name = layerClassName(layer);
    parts.push(tsBody(layer.tfjs), `const ${name} = make${name}(tf);`, `tf.serialization.registerClass(${name});`, '');
  }
  return parts.join('\n');
}

/** `fusionlab_layers.py` of a Keras or PyTorch export: the shared helpers, then each class the model uses. */
export function pythonRuntime(target: 'keras' | 'pytorch', layers: CustomLayerRef[], classes: ReadonlySet<string>): string {
  const parts = [lf(target === 'keras' ? kerasHead : torchHead)];
  if (target === 'pytorch' && TORCH_RNN_CLASSES.some((c) => classes.has(c))) parts.push(pyBody(torchRnn));
  for (const layer of layers) parts.push(pyBody(target === 'keras' ? layer.keras : layer.pytorch));
  return parts.join('\n\n');
}
