/**
 * The Predict panel's side of the training session (session.ts calls it for the 'predict',
 * 'predict-info' and 'open-bundle' messages): one sample's cells → featuriseSample (the same
 * featurisation as training) → engine predictSample (answers per output, saliency maps). The
 * model is the session's trained model, or one opened from a bundle zip (engine readBundle),
 * which then replaces the trained model. Every problem comes back as a 'predict-error' message.
 */
import * as tf from '@tensorflow/tfjs';
import { readBundle, type LoadedBundle } from '@/engine/bundle';
import { DecodeError, type DecodedImage, type PlatformAdapter } from '@/engine/data/adapter';
import { featuriseSample, type FittedState } from '@/engine/data/loader';
import { memorySource } from '@/engine/data/source';
import { resample } from '@/engine/data/wav';
import type { GraphDoc } from '@/engine/graph';
import { describeModel, predictSample } from '@/engine/predict';
import type { ModelIO } from '@/engine/train/types';
import { registerCustomLayers } from '@/nodes/shared';
import { createBrowserAdapter } from '@/components/data/browserAdapter';
import type { PredictFile, PredictModel, PredictToWorker } from '@/components/predict/protocol';
import type { FromWorker } from './protocol';

type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

/** What the session's trained model offers (structurally its `Active`). */
export interface TrainedModel {
  model: tf.LayersModel;
  graph: GraphDoc;
  data: { fitted?: FittedState };
  io: ModelIO;
}

export interface PredictorDeps {
  /** The trained model, if any. */
  active(): TrainedModel | null;
  /** True while training runs (the model is changing). */
  running(): boolean;
  /** Resolves when the backend is up. */
  ready(): Promise<void>;
  /** Let go of the trained model (an opened bundle replaces it). */
  dropActive(): void;
}

interface Opened {
  bundle: LoadedBundle;
  name: string;
  /** The zip as opened: downloaded again as it is, and re-read after a backend change. */
  bytes: Uint8Array;
}

interface Current {
  source: 'trained' | 'bundle';
  model: tf.LayersModel;
  graph: GraphDoc;
  fitted: FittedState;
  io: ModelIO;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An adapter that returns what the page decoded already (recordings, non-WAV audio, video). */
function predictAdapter(pre: Map<string, PredictFile>): PlatformAdapter {
  const base = createBrowserAdapter();
  return {
    name: 'predict',
    decodeImage: (bytes, path, hint) => base.decodeImage(bytes, path, hint),
    async decodeAudio(bytes, rate, path) {
      const p = pre.get(path);
      if (p && 'samples' in p) return p.rate === rate ? p.samples : resample(p.samples, p.rate, rate);
      return base.decodeAudio(bytes, rate, path);
    },
    async decodeVideo(_bytes, _req, path): Promise<DecodedImage[]> {
      const p = pre.get(path);
      if (p && 'frames' in p) return p.frames.map((f) => ({ width: f.width, height: f.height, channels: 4 as const, data: f.data }));
      throw new DecodeError(`${path}: video frames are read on the page; upload the video again`, 'needs-app');
    },
  };
}

/** Safe in-memory file name for a cell: the original extension kept (decoders look at it). */
function memName(column: string, k: number, name: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase() ?? 'bin';
  return `predict/${k}-${column.replace(/[^A-Za-z0-9_-]+/g, '_')}.${ext}`;
}

export function createPredictor(post: Post, deps: PredictorDeps) {
  let opened: Opened | null = null;

  function current(): Current | null {
    const a = deps.active();
    if (a && a.data.fitted) return { source: 'trained', model: a.model, graph: a.graph, fitted: a.data.fitted, io: a.io };
    if (opened) return { source: 'bundle', model: opened.bundle.model, graph: opened.bundle.graph, fitted: opened.bundle.fitted, io: opened.bundle.meta.io };
    return null;
  }

  function describe(c: Current): PredictModel {
    const t = opened && c.source === 'bundle' ? opened.bundle.meta.training : undefined;
    return {
      source: c.source,
      fileName: c.source === 'bundle' ? opened?.name : undefined,
      info: describeModel(c.fitted, c.io, c.graph),
      graph: c.graph,
      training: t ? { epochs: t.epochs, backend: t.backend, createdAt: t.createdAt, metrics: t.metrics } : undefined,
    };
  }

  /** Forget the opened bundle (a new training run starts). */
  function close(): void {
    opened?.bundle.model.dispose();
    opened = null;
  }

  async function open(bytes: Uint8Array, name: string, restore = false): Promise<void> {
    await deps.ready();
    if (deps.running()) {
      post({ type: 'predict-error', message: 'Training is running: stop it before opening a bundle.' });
      return;
    }
    const r = await readBundle(tf, bytes, (t) => registerCustomLayers(t));
    if (!r.ok) {
      post({ type: 'predict-error', message: `${name}: ${r.message}` });
      return;
    }
    // The opened model replaces both the trained one and any bundle opened before. The Train
    // panel then forgets its run (charts, Resume): the model they belong to is gone.
    const hadTrained = deps.active() !== null;
    deps.dropActive();
    close();
    opened = { bundle: r.bundle, name, bytes };
    if (hadTrained && !restore) post({ type: 'reset-done' });
    post({ type: 'bundle-opened', restore, model: describe({ source: 'bundle', model: r.bundle.model, graph: r.bundle.graph, fitted: r.bundle.fitted, io: r.bundle.meta.io }) });
  }

  async function predict(id: number, cells: Record<string, string>, files: Record<string, PredictFile>): Promise<void> {
    await deps.ready();
    const c = current();
    if (!c) {
      post({ type: 'predict-error', id, message: 'There is no model to predict with: train one in the Train panel, or open a bundle.' });
      return;
    }
    if (c.source === 'trained' && deps.running()) {
      post({ type: 'predict-error', id, message: 'Training is running: predict when it stops or finishes.' });
      return;
    }
    const t0 = performance.now();
    const mem = new Map<string, Uint8Array>();
    const pre = new Map<string, PredictFile>();
    const all: Record<string, string> = { ...cells };
    Object.entries(files).forEach(([column, f], k) => {
      const path = memName(column, k, f.name);
      mem.set(path, 'bytes' in f ? f.bytes : new Uint8Array(0));
      if (!('bytes' in f)) pre.set(path, f);
      all[column] = path;
    });
    const s = await featuriseSample(c.fitted, all, memorySource('predict', mem), predictAdapter(pre));
    if (!s.ok) {
      // The loader speaks of rows; here there is one sample and the file has the user's name.
      const names = new Map(Object.entries(files).map(([col, f]) => [all[col], f.name]));
      const problems = s.problems.map((p) => [...names].reduce((m, [path, orig]) => m.split(path).join(orig), p.message.replace(/^Row \d+: /, '')));
      post({ type: 'predict-error', id, message: 'The sample could not be prepared for the model.', problems });
      return;
    }
    try {
      const out = predictSample(tf, c.model, c.io, c.fitted, s.inputs, { graph: c.graph });
      const transfer = out.saliency.flatMap((m) => [m.values.buffer as ArrayBuffer, m.preview.buffer as ArrayBuffer]);
      post({ type: 'prediction', id, result: { report: out.report, saliency: out.saliency, ...(out.attribution ? { attribution: out.attribution } : {}), source: c.source, ms: performance.now() - t0, warnings: s.warnings.map((w) => w.message) } }, transfer);
    } catch (e) {
      post({ type: 'predict-error', id, message: `The model could not predict: ${errorText(e)}` });
    }
  }

  return {
    /** Handle one of the Predict panel's messages; never throws. */
    async handle(msg: PredictToWorker): Promise<void> {
      try {
        switch (msg.type) {
          case 'predict-info': {
            await deps.ready();
            const c = current();
            post({ type: 'predict-model', model: c ? describe(c) : null });
            return;
          }
          case 'predict':
            await predict(msg.id, msg.cells, msg.files);
            return;
          case 'open-bundle':
            await open(msg.bytes, msg.name, msg.restore === true);
            return;
          default: {
            const _x: never = msg;
            return _x;
          }
        }
      } catch (e) {
        post({ type: 'predict-error', id: msg.type === 'predict' ? msg.id : undefined, message: errorText(e) });
      }
    },
    close,
    /** The opened bundle's zip and name, when the model in use came from a bundle. */
    openedBundle(): { bytes: Uint8Array; name: string } | null {
      return opened ? { bytes: opened.bytes, name: opened.name } : null;
    },
    /** The opened bundle as the pieces an export needs. */
    openedModel(): { model: tf.LayersModel; graph: GraphDoc; fitted: FittedState } | null {
      return opened ? { model: opened.bundle.model, graph: opened.bundle.graph, fitted: opened.bundle.fitted } : null;
    },
    /** After a backend change: read the opened bundle again on the new backend. */
    async reopen(): Promise<void> {
      if (!opened) return;
      const { bytes, name } = opened;
      close();
      const r = await readBundle(tf, bytes, (t) => registerCustomLayers(t));
      if (r.ok) opened = { bundle: r.bundle, name, bytes };
      else post({ type: 'predict-error', message: `${name} could not be opened again on the new backend: ${r.message}` });
    },
  };
}

export type Predictor = ReturnType<typeof createPredictor>;
