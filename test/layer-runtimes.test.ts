/**
 * The custom layers' faces (nodes/<category>/<kind>/): each layer defined with defineCustomLayer
 * brings its tfjs source (the file the app runs), a Keras and a PyTorch class, and its files have
 * the shape the export relies on when it copies them (program.ts via engine/export/runtime.ts):
 * imports only of tfjs types and the layer kit, and no module-level names but the layer's own.
 */
import { describe, expect, it } from 'vitest';
import { pyBody, runtimeProblem, tfjsRuntime, tsBody } from '../engine/export/runtime';
import { registry } from '../nodes';
import { customLayers } from '../nodes/shared';

describe('custom layer runtimes', () => {
  const layers = customLayers();

  it('every registered kind that builds a custom layer is covered (the list is not empty)', () => {
    expect(registry.all().length).toBeGreaterThan(0);
    expect(layers.length).toBeGreaterThanOrEqual(13);
    expect(new Set(layers.map((l) => l.className)).size).toBe(layers.length);
  });

  for (const layer of layers) {
    const name = layer.className.slice('FusionLab>'.length);
    describe(layer.className, () => {
      it('has its tfjs, Keras and PyTorch runtime', () => {
        for (const target of ['tfjs', 'keras', 'pytorch'] as const) expect(runtimeProblem(layer, target), target).toBeNull();
        expect(layer.tfjs).toContain(`static className = '${layer.className}'`);
      });

      it('has its ONNX face (test/export-onnx.test.ts checks it against tfjs)', () => {
        expect(typeof layer.onnx).toBe('function');
      });

      it('its layer file imports only tfjs types and the layer kit, and declares only its own names', () => {
        for (const m of layer.tfjs.matchAll(/^import\b([^;]*);/gm)) {
          const from = /from\s+'([^']+)'/.exec(m[1])?.[1] ?? '';
          const ok = (from === '@tensorflow/tfjs' && /^\s*type\b/.test(m[1])) || /(^|\/)engine\/layer-kit$/.test(from);
          expect(ok, `${name}: import${m[1]}`).toBe(true);
        }
        const body = tsBody(layer.tfjs);
        expect(body).not.toMatch(/^import\b/m);
        for (const line of body.split('\n')) {
          if (!/^[A-Za-z]/.test(line)) continue; // indented, comment, brace or blank
          expect(line, name).toMatch(new RegExp(`^export (interface \\w+|type \\w+|function make${name}\\(tf: TF\\))`));
        }
      });

      it('its Python files hold one class of its name after their imports', () => {
        for (const [target, source] of [['keras', layer.keras], ['pytorch', layer.pytorch]] as const) {
          const body = pyBody(source);
          expect(body, target).not.toMatch(/^(import|from) /m);
          const tops = body.split('\n').filter((l) => /^[A-Za-z_]/.test(l));
          expect(tops, target).toEqual([expect.stringMatching(new RegExp(`^class ${name}\\(`))]);
        }
      });
    });
  }

  it('the tfjs runtime of all layers declares each class once and registers it', () => {
    const all = tfjsRuntime([...layers]);
    for (const layer of layers) {
      const name = layer.className.slice('FusionLab>'.length);
      expect(all.split(`const ${name} = make${name}(tf);`).length, name).toBe(2);
      expect(all).toContain(`tf.serialization.registerClass(${name});`);
    }
    expect(all.split('export function shapeList(').length).toBe(2);
  });
});
