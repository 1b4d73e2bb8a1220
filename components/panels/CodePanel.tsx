'use client';
/**
 * The Code panel: the graph as TypeScript (tfjs), Keras or PyTorch code in a read-only
 * Monaco view that follows the canvas live, with copy and download. The selected node's lines
 * are highlighted. When the graph cannot be exported, its problems are listed instead of code.
 */
import { onSessionMessage, trainActions, useTrainState } from '../train/trainStore';
import dynamic from 'next/dynamic';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LineRange } from '@/engine/export';
import type { ExportTarget } from '@/engine/spec';
import { downloadText, downloadZip } from '../code/download';
import { fileSlug, TARGETS } from '../code/targets';
import { useExport } from '../code/useExport';
import { cx } from '../theme';
import type { PanelProps } from './types';

// Monaco is big: load it only when the panel is first shown, and never on the server.
const CodeView = dynamic(() => import('../code/CodeView'), {
  ssr: false,
  loading: () => <div className="code-message">Loading the code viewer…</div>,
});

const NO_RANGES: LineRange[] = [];

/** True while the element takes up space (the dock hides closed panels with `hidden`). */
function useShown(ref: React.RefObject<HTMLElement | null>): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setShown(el.offsetWidth > 0 && el.offsetHeight > 0);
    check();
    const ro = new ResizeObserver(check);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return shown;
}

export default function CodePanel({ graph, dispatch, selectedNodeId, notify }: PanelProps) {
  const root = useRef<HTMLDivElement>(null);
  const shown = useShown(root);
  const [target, setTarget] = useState<ExportTarget>('tfjs');
  const info = TARGETS.find((t) => t.id === target) ?? TARGETS[0];
  const { result, graph: exported, stale } = useExport(graph, target, shown);

  const errors = useMemo(() => (result && !result.ok ? result.diagnostics.filter((d) => d.severity === 'error') : []), [result]);
  const code = result?.ok ? result.files[result.main] ?? '' : '';
  const ranges = (selectedNodeId && result?.ok && result.nodeRanges.get(selectedNodeId)) || NO_RANGES;
  const slug = `${fileSlug(exported?.name ?? graph.name)}-${target}`;
  const lines = code ? code.split('\n').length : 0;
  const nodeLabel = selectedNodeId ? graph.nodes.find((n) => n.id === selectedNodeId)?.label || selectedNodeId : '';

  const copy = () => {
    navigator.clipboard.writeText(code).then(
      () => notify(`Copied ${result?.main} (${lines} lines).`),
      () => notify('The browser refused the clipboard; select the code and press Ctrl+C.', 'error'),
    );
  };

  // The ONNX zip comes from the training worker: its problem, if any, is shown here (a toast).
  const onnxPending = useRef(false);
  useEffect(
    () =>
      onSessionMessage((m) => {
        if (!onnxPending.current || (m.type !== 'bundle' && m.type !== 'error')) return;
        onnxPending.current = false;
        if (m.type === 'error') notify(m.message, 'error');
      }),
    [notify],
  );
  const downloadOnnx = () => {
    onnxPending.current = true;
    trainActions.downloadOnnx(graph);
  };

  // A model trained in the Train panel can be exported with its weights (the worker holds it).
  const trainView = useTrainState().view;
  const trainStatus = trainView.status;
  const trained = trainStatus === 'finished' || trainStatus === 'early-stopped' || trainStatus === 'stopped' || trainView.openedBundle !== null;

  return (
    <div ref={root} className="code-panel" data-testid="code-panel" data-target={target} data-state={!result ? 'loading' : result.ok ? 'code' : 'diagnostics'}>
      <div className="code-bar">
        <div className="code-tabs" role="tablist" aria-label="Export target">
          {TARGETS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={t.id === target}
              className={cx('code-tab', t.id === target && 'is-active')}
              data-testid={`code-tab-${t.id}`}
              onClick={() => setTarget(t.id)}
            >
              {t.title}
            </button>
          ))}
        </div>
        <span className="code-meta muted" data-testid="code-meta" aria-live="polite">
          {result?.ok && (
            <>
              <code>{result.main}</code> · {lines} lines
              {Object.keys(result.files).length > 1 && <> · {Object.keys(result.files).length} files</>}
              {ranges.length > 0 && (
                <>
                  {' '}
                  · <span className="code-meta-node">{nodeLabel}</span> at line{ranges.length > 1 || ranges[0].end > ranges[0].start ? 's' : ''} {ranges.map((r) => (r.end > r.start ? `${r.start}–${r.end}` : `${r.start}`)).join(', ')}
                </>
              )}
            </>
          )}
          {stale && result && <span className="code-updating"> · updating…</span>}
        </span>
        <span className="dock-spacer" />
        <button type="button" className="btn small" data-testid="code-copy" disabled={!result?.ok} onClick={copy} title="Copy the main file to the clipboard">
          Copy
        </button>
        <button type="button" className="btn small" data-testid="code-download" disabled={!result?.ok} onClick={() => result?.ok && downloadText(result.main, code)} title={`Download ${result?.main ?? 'the main file'}`}>
          Download {result?.ok ? result.main : ''}
        </button>
        <button type="button" className="btn small primary" data-testid="code-download-all" disabled={!result?.ok} onClick={() => result?.ok && downloadZip(slug, result.files)} title="Download every file of this export (model, layers, data, training script, README) as a zip">
          Download all (.zip)
        </button>
        {trained && (
          <button
            type="button"
            className="btn small"
            data-testid="code-download-trained"
            onClick={() => trainActions.downloadTrainedExport(target)}
            title="The code of the model trained in the Train panel, with its trained weights and preprocessing state, as a zip"
          >
            With trained weights (.zip)
          </button>
        )}
        <button
          type="button"
          className="btn small"
          data-testid="code-download-onnx"
          disabled={!trained && !result?.ok}
          onClick={downloadOnnx}
          title={trained ? 'The trained model as ONNX (opset 17, runs in onnxruntime, TensorRT, OpenVINO), with its preprocessing state beside it, as a zip' : 'The graph as ONNX (opset 17), freshly initialised, with its input and output names, as a zip; train it first to get the trained weights'}
        >
          ONNX{trained ? ' (trained)' : ''}
        </button>
      </div>
      <div className="code-body" data-highlight={ranges.map((r) => `${r.start}-${r.end}`).join(',')}>
        {!shown ? null : !result ? (
          <div className="code-message">Writing the code…</div>
        ) : !result.ok ? (
          <div className="code-diagnostics" data-testid="code-diagnostics" role="alert">
            <h4>This graph cannot be exported yet</h4>
            <p className="muted">Fix these problems on the canvas and the code appears here.</p>
            <ul>
              {(errors.length ? errors : result.diagnostics).map((d, i) => (
                <li key={i}>
                  <span className={cx('code-diag-sev', d.severity === 'error' ? 'is-error' : 'is-warning')}>{d.severity}</span>
                  {d.nodeId ? (
                    <button type="button" className="code-diag-node" onClick={() => dispatch({ type: 'selectNodes', nodes: [d.nodeId as string] })}>
                      {graph.nodes.find((n) => n.id === d.nodeId)?.label || d.nodeId}
                    </button>
                  ) : null}
                  <span className="code-diag-msg">{d.message}</span>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <CodeView path={`fusionlab-${target}/${result.main}`} language={info.language} value={code} ranges={ranges} revealKey={selectedNodeId ?? ''} />
        )}
      </div>
    </div>
  );
}
