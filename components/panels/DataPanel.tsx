'use client';
/**
 * The Data panel: open a dataset (folder, files, zip, or the generated demo), watch it
 * being processed in a Web Worker, and inspect it: rows, columns, class balance, previews per
 * modality and every problem found. The tensors it produces are shared through
 * components/data/datasetStore.ts.
 */
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { bindGraph, DEMO_DEFAULT_ROWS } from '@/engine/data';
import { registry } from '@/nodes';
import { bindingKey, closeDataset, demoZip, ensureDataset, getDatasetState, openDataset, useDatasetState } from '../data/datasetStore';
import DatasetView from '../data/DatasetView';
import { inputFromDrop, inputFromFileList } from '../data/dropFiles';
import { formatDuration, formatInt, readsDemoColumns } from '../data/progress';
import type { DatasetInput } from '../data/protocol';
import { installTestHook } from '../data/testHook';
import type { PanelProps } from './types';

const DEMO_SEED = 1;

/** The demo is opened by itself once per page load (first visit with the demo template). */
let autoDemoDone = false;

export default function DataPanel(props: PanelProps) {
  const { graph, notify } = props;
  const st = useDatasetState();
  const folderInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const key = useMemo(() => bindingKey(graph), [graph]);

  useEffect(() => installTestHook(), []);

  // The app opens on the demo, ready to train: with the demo template (or a graph reading only
  // demo columns) on the canvas and no dataset yet, generate the demo dataset in the worker.
  useEffect(() => {
    if (autoDemoDone || getDatasetState().status !== 'empty') return;
    if (!readsDemoColumns(bindGraph(graph, registry))) return;
    autoDemoDone = true;
    void openDataset({ kind: 'demo', seed: DEMO_SEED, rows: DEMO_DEFAULT_ROWS }, graph);
  }, [graph]);

  // The graph's inputs or heads changed: process again (cached results come back at once).
  useEffect(() => {
    // Only from a finished result: after an error the user opens the data again (no retry loop).
    if (!st.datasetId || st.status !== 'ready' || st.bindingKey === key) return;
    const t = setTimeout(() => void ensureDataset(graphRef.current), 500);
    return () => clearTimeout(t);
  }, [key, st.datasetId, st.status, st.bindingKey]);

  const open = (input: DatasetInput | null) => {
    if (!input) {
      notify('Nothing to open: pick a folder holding samples.csv, a .zip, or the files themselves.', 'error');
      return;
    }
    autoDemoDone = true;
    void openDataset(input, graphRef.current);
  };

  const downloadDemo = async () => {
    try {
      const bytes = await demoZip(DEMO_SEED, DEMO_DEFAULT_ROWS);
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'fusionlab-demo.zip';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 2000);
    } catch (e) {
      notify(`The demo zip could not be made: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    open(await inputFromDrop(e.dataTransfer));
  };

  const p = st.progress;
  return (
    <div
      className={`data-panel${dragging ? ' is-dragging' : ''}`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      <div className="data-actions">
        <button type="button" className="btn primary" onClick={() => folderInput.current?.click()} data-testid="data-open-folder">
          Open folder…
        </button>
        <button type="button" className="btn" onClick={() => fileInput.current?.click()} data-testid="data-open-files">
          Open .zip or files…
        </button>
        <button type="button" className="btn" onClick={() => open({ kind: 'demo', seed: DEMO_SEED, rows: DEMO_DEFAULT_ROWS })} data-testid="data-use-demo">
          Use the demo dataset
        </button>
        <button type="button" className="btn ghost" onClick={() => void downloadDemo()} data-testid="data-download-demo" title="The demo dataset as files in the upload format: samples.csv plus images/ and audio/">
          Download the demo as .zip
        </button>
        {st.status !== 'empty' && (
          <button type="button" className="btn ghost" onClick={() => closeDataset()} data-testid="data-close">
            Close
          </button>
        )}
        <span className="data-hint muted">or drop a folder, files or a .zip here</span>
        <input
          ref={folderInput}
          type="file"
          hidden
          multiple
          data-testid="data-folder-input"
          {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
          onChange={(e) => {
            const l = e.target.files;
            open(l ? inputFromFileList(l) : null);
            e.target.value = '';
          }}
        />
        <input
          ref={fileInput}
          type="file"
          hidden
          multiple
          data-testid="data-file-input"
          onChange={(e) => {
            const l = e.target.files;
            open(l ? inputFromFileList(l) : null);
            e.target.value = '';
          }}
        />
      </div>
      {st.status === 'loading' && p && (
        <div className="data-progress" data-testid="data-progress" role="status">
          <div className="data-progress-bar">
            <div style={{ width: `${(p.fraction * 100).toFixed(1)}%` }} />
          </div>
          <span>
            {p.stage === 'open' ? `Opening ${st.sourceName}…` : p.stage === 'decode' ? `Decoding and featurising: ${formatInt(p.done)} of ${formatInt(p.total)} samples` : p.stage === 'encode' ? 'Encoding tensors…' : 'Reading…'}
            {p.rate > 0 && ` · ${formatInt(p.rate)} samples/s`}
            {p.etaMs !== null && p.stage === 'decode' && ` · ${formatDuration(p.etaMs)} left`}
          </span>
        </div>
      )}
      {st.status === 'error' && (
        <p className="data-error" role="alert">
          {st.error}
        </p>
      )}
      {st.result ? (
        <DatasetView {...props} result={st.result} stale={st.bindingKey !== key} />
      ) : (
        st.status === 'empty' && (
          <div className="data-empty">
            <p>
              A dataset is a folder or <code>.zip</code> holding <code>samples.csv</code> (or <code>samples.jsonl</code>): one row per sample, with
              columns for image, audio and video paths (relative to the file), text, numbers, a label and an optional <code>split</code>.
            </p>
            <p className="muted">Input nodes and heads name the columns they read. Everything is processed on this computer; nothing is uploaded.</p>
          </div>
        )
      )}
    </div>
  );
}
