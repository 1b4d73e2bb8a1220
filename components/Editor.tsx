'use client';
/**
 * The editor: palette, canvas, inspector, problems and toolbar around one editor state (graph
 * history + selection, from engine/editor/state). All graph logic lives in engine/; this file
 * wires events to actions and handles the browser parts (storage, files, URL, clipboard).
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type ChangeEvent } from 'react';
import type { Diagnostic } from '@/engine/diagnostics';
import { createAnalysisCache } from '@/engine/editor/analysis';
import { layoutPositions, type Size } from '@/engine/editor/layout';
import { copySelection, type Clipboard } from '@/engine/editor/mutations';
import { describeFailure, readShareHash, shareHash } from '@/engine/editor/share';
import { createEditorReducer, initEditor } from '@/engine/editor/state';
import { canRedo, canUndo } from '@/engine/editor/history';
import { restoreGraph, saveGraph, type KeyValueStore } from '@/engine/editor/storage';
import { emptyGraph, parseGraphText, serializeGraph, type GraphDoc } from '@/engine/graph';
import { applyGraphFixes, graphFixes } from '@/engine/data/fit-graph';
import { registry } from '@/nodes';
import { defaultTemplate, templates, type Template } from '@/templates';
import Canvas from './Canvas';
import DiagnosticsPanel from './DiagnosticsPanel';
import Dock from './Dock';
import Inspector from './Inspector';
import Modal from './Modal';
import Palette from './Palette';
import TemplatePicker from './TemplatePicker';
import { Toasts, useToasts } from './Toasts';
import Toolbar from './Toolbar';
import { useParamCounts } from './useParamCounts';
import { closeDataset, getDatasetState, openDataset, useDatasetState } from './data/datasetStore';
import ProjectsDialog from './project/ProjectsDialog';
import { projectActions, registerApplier, registerGraphLoader, startProjects, useProjects, type LoadedProject } from './project/projectStore';
import { getState as getTrainState, trainActions, useTrainState } from './train/trainStore';
import { restoredView } from './train/persistView';

/** Why the page should not switch projects or close now, or null. */
function busyReason(): string | null {
  const t = getTrainState().view.status;
  if (t === 'starting' || t === 'running' || t === 'stopping') return 'Training is running: stop it before opening another project.';
  if (getDatasetState().status === 'loading') return 'A dataset is still being read: wait for it before opening another project.';
  return null;
}

/** Window storage, or null where the browser refuses it (private modes, sandboxed frames). */
function browserStore(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

function fileSlug(name: string): string {
  return (name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'graph').slice(0, 60);
}

/**
 * A User Timing mark where a graph reaches the editor (bench/editor.ts measures from it to the
 * drawn, idle canvas; DevTools shows it in the performance panel).
 */
function markGraphLoaded(): void {
  performance.mark('fusionlab:graph-loaded');
}

export default function Editor() {
  return (
    <ReactFlowProvider>
      <EditorApp />
    </ReactFlowProvider>
  );
}

function EditorApp() {
  const reducer = useMemo(() => createEditorReducer(registry), []);
  const [state, dispatch] = useReducer(reducer, undefined, () => initEditor(emptyGraph()));
  const graph = state.history.present;
  const analyze = useMemo(() => createAnalysisCache(registry), []);
  const analysis = useMemo(() => analyze(graph), [analyze, graph]);
  const counts = useParamCounts(graph, analysis);
  // The model budget is judged from shapes in the counting worker; its errors join the graph's.
  const shown = useMemo(() => (counts.budget.length ? { ...analysis, diagnostics: [...analysis.diagnostics, ...counts.budget] } : analysis), [analysis, counts.budget]);
  const { toasts, show, dismiss } = useToasts();
  const rf = useReactFlow();
  const [ready, setReady] = useState(false);
  const [fitToken, setFitToken] = useState(0);
  const [picker, setPicker] = useState(false);
  const [shareUrl, setShareUrl] = useState<string | null>(null);
  const [shareNote, setShareNote] = useState('');
  const clipboard = useRef<Clipboard | null>(null);
  const pasteCount = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const stateRef = useRef(state);
  stateRef.current = state;
  const [projectsOpen, setProjectsOpen] = useState(false);
  const projects = useProjects();
  const trainView = useTrainState().view;

  const load = useCallback((g: GraphDoc, fresh = false) => {
    markGraphLoaded();
    dispatch({ type: 'load', graph: g, fresh });
    setFitToken((t) => t + 1);
  }, []);

  /** Put a project on the page: its graph and undo steps, settings, results, model and dataset. */
  const apply = useCallback((p: LoadedProject) => {
    const d = p.doc;
    markGraphLoaded();
    dispatch({ type: 'restore', graph: d.graph, undo: d.undo, redo: d.redo });
    setFitToken((t) => t + 1);
    const model = p.model ? { bytes: p.model.bytes, name: `${d.name} (saved model)` } : undefined;
    trainActions.restore(d.train, p.results !== undefined ? restoredView(p.results, p.model?.epoch) : null, model);
    if (p.dataset) void openDataset(p.dataset.input, d.graph, { reopen: true, manifest: p.dataset.manifest });
    else closeDataset();
  }, []);
  useEffect(() => registerApplier(apply), [apply]);
  useEffect(() => registerGraphLoader((g) => load(g)), [load]);

  // First load: a share link opens as a new project; else the last project reopens.
  useEffect(() => {
    let shared: GraphDoc | null = null;
    const link = readShareHash(window.location.hash);
    if (link) {
      if (link.ok) {
        shared = link.graph;
        show('success', `Opened the shared graph “${link.graph.name}” as a new project; your other projects are under Projects.`);
      } else {
        show('error', describeFailure('The share link could not be opened; nothing was changed', link.diagnostics));
      }
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    const store = browserStore();
    let legacy: GraphDoc | null = null;
    if (store) {
      const saved = restoreGraph(store);
      if (saved?.ok) legacy = saved.graph;
    }
    void startProjects({ shared, legacy, demo: defaultTemplate()?.graph ?? emptyGraph() }).then((p) => {
      apply(p);
      setReady(true);
    });
  }, [apply, show]);

  // A share link pasted into the address bar of an open editor.
  useEffect(() => {
    const onHash = () => {
      const shared = readShareHash(window.location.hash);
      if (!shared) return;
      if (shared.ok) {
        const why = busyReason();
        if (why) show('error', `The share link was not opened: ${why}`);
        else {
          void projectActions.create(shared.graph);
          show('success', `Opened the shared graph “${shared.graph.name}” as a new project; the one before is under Projects, unchanged.`);
        }
      } else show('error', describeFailure('The share link could not be opened; nothing was changed', shared.diagnostics));
      history.replaceState(null, '', window.location.pathname + window.location.search);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [show]);

  // Leaving while training runs or a dataset is read loses that work: the browser asks first.
  useEffect(() => {
    const onBefore = (e: BeforeUnloadEvent) => {
      if (!busyReason()) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBefore);
    return () => window.removeEventListener('beforeunload', onBefore);
  }, []);

  // Autosave, debounced, and flushed when the page is hidden.
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(() => {
      const h = stateRef.current.history;
      projectActions.saveGraph(graph, h.past, h.future);
      // The single-graph autosave stays as a fallback where IndexedDB is unavailable.
      const store = browserStore();
      const err = store ? saveGraph(store, graph) : null;
      if (err) show('error', err);
    }, 300);
    return () => clearTimeout(t);
  }, [graph, ready, show]);
  useEffect(() => {
    if (!ready) return;
    const flush = () => {
      const h = stateRef.current.history;
      projectActions.saveGraph(graphRef.current, h.past, h.future);
      const store = browserStore();
      if (store) saveGraph(store, graphRef.current);
    };
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, [ready]);

  const sizes = useCallback((): Record<string, Size> => {
    const out: Record<string, Size> = {};
    for (const n of graphRef.current.nodes) {
      const m = rf.getInternalNode(n.id)?.measured;
      if (m?.width && m.height) out[n.id] = { width: m.width, height: m.height };
    }
    return out;
  }, [rf]);

  const addAtCenter = useCallback(
    (kind: string) => {
      const el = document.querySelector('[data-testid="canvas"]');
      const r = el?.getBoundingClientRect();
      const c = r ? rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      // Nudge so that repeated clicks do not stack nodes exactly on top of each other.
      const n = graphRef.current.nodes.length % 6;
      dispatch({ type: 'add', kind, position: { x: Math.round(c.x - 100 + n * 24), y: Math.round(c.y - 50 + n * 24) } });
    },
    [rf],
  );

  const doLayout = useCallback(() => {
    const pos = layoutPositions(graphRef.current, sizes());
    dispatch({ type: 'move', positions: pos });
    setFitToken((t) => t + 1);
  }, [sizes]);

  const fit = useCallback(() => void rf.fitView({ padding: 0.12, maxZoom: 1.1, duration: 250 }), [rf]);

  const focusNode = useCallback(
    (id: string) => {
      const n = graphRef.current.nodes.find((x) => x.id === id);
      if (!n) return;
      dispatch({ type: 'selectNodes', nodes: [id] });
      const m = rf.getInternalNode(id)?.measured;
      const w = m?.width ?? 200;
      const h = m?.height ?? 110;
      void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(rf.getZoom(), 0.9), duration: 300 });
    },
    [rf],
  );

  const onPickDiagnostic = useCallback(
    (d: Diagnostic) => {
      if (d.nodeId) focusNode(d.nodeId);
      else if (d.edgeId) {
        const e = graphRef.current.edges.find((x) => x.id === d.edgeId);
        if (e) focusNode(e.target);
      }
    },
    [focusNode],
  );

  const download = useCallback(() => {
    const g = graphRef.current;
    const blob = new Blob([serializeGraph(g) + '\n'], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${fileSlug(g.name)}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, []);

  const onFile = useCallback(
    async (e: ChangeEvent<HTMLInputElement>) => {
      const file = e.target.files?.[0];
      e.target.value = '';
      if (!file) return;
      if (/\.fusionlab$/i.test(file.name)) {
        const r = await projectActions.openFile(new Uint8Array(await file.arrayBuffer()), file.name);
        show(r.ok ? 'success' : 'error', r.message);
        return;
      }
      if (file.size > 20 * 1024 * 1024) {
        show('error', `“${file.name}” is too large for a graph file (${(file.size / 1024 / 1024).toFixed(1)} MB); nothing was changed.`);
        return;
      }
      let text: string;
      try {
        text = await file.text();
      } catch (err) {
        show('error', `“${file.name}” could not be read: ${String(err)}`);
        return;
      }
      const r = parseGraphText(text);
      if (!r.ok) {
        show('error', describeFailure(`“${file.name}” is not a graph FusionLab can open; nothing was changed`, r.diagnostics));
        return;
      }
      load(r.graph);
      show('success', `Opened “${r.graph.name}” from ${file.name}. Undo brings back the previous graph.`);
    },
    [load, show],
  );

  const share = useCallback(async () => {
    const url = `${window.location.origin}${window.location.pathname}${shareHash(graphRef.current)}`;
    setShareUrl(url);
    setShareNote('');
    try {
      await navigator.clipboard.writeText(url);
      setShareNote('Copied to the clipboard.');
    } catch {
      setShareNote('Copy the link from the box.');
    }
  }, []);

  const data = useDatasetState();
  const openReport = data.result?.report.manifest ? data.result.report : null;
  const pickTemplate = useCallback(
    (t: Template, fitToDataset: boolean) => {
      setPicker(false);
      const fixes = fitToDataset && openReport ? graphFixes(t.graph, registry, openReport) : [];
      load(fixes.length ? applyGraphFixes(t.graph, fixes) : t.graph);
      show('info', `Opened the template “${t.name}”${fixes.length ? `, fitted to the dataset: ${fixes.map((f) => f.message).join('; ')}` : ''}.`);
    },
    [load, show, openReport],
  );

  const onRefused = useCallback((reason: string) => show('error', `Cannot connect: ${reason}`), [show]);
  const onDropKind = useCallback((kind: string, position: { x: number; y: number }) => dispatch({ type: 'add', kind, position }), []);

  // Keyboard shortcuts (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector('[role="dialog"]')) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      const sel = stateRef.current.selection;
      if (mod && k === 'z' && !e.shiftKey) dispatch({ type: 'undo' });
      else if ((mod && k === 'z' && e.shiftKey) || (mod && k === 'y')) dispatch({ type: 'redo' });
      else if (mod && k === 'c') {
        if (!sel.nodes.length) return;
        clipboard.current = copySelection(graphRef.current, sel.nodes);
        pasteCount.current = 0;
        show('info', `Copied ${sel.nodes.length} node${sel.nodes.length === 1 ? '' : 's'}.`);
      } else if (mod && k === 'x') {
        if (!sel.nodes.length) return;
        clipboard.current = copySelection(graphRef.current, sel.nodes);
        pasteCount.current = 0;
        dispatch({ type: 'removeSelection' });
      } else if (mod && k === 'v') {
        if (!clipboard.current) return;
        pasteCount.current += 1;
        const d = 40 * pasteCount.current;
        dispatch({ type: 'paste', clipboard: clipboard.current, offset: { x: d, y: d } });
      } else if (mod && k === 'd') {
        if (!sel.nodes.length) return;
        dispatch({ type: 'duplicate' });
      } else if (mod && k === 'a') dispatch({ type: 'selectAll' });
      else if (mod && k === 's') download();
      else if (mod && k === 'o') fileInput.current?.click();
      else if (mod && k === 'l') doLayout();
      else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        if (!sel.nodes.length && !sel.edges.length) return;
        dispatch({ type: 'removeSelection' });
      } else if (!mod && e.key === 'Escape') dispatch({ type: 'select', selection: { nodes: [], edges: [] } });
      else if (!mod && !e.altKey && k === 'f') fit();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [download, doLayout, fit, show]);

  const errors = shown.diagnostics.filter((d) => d.severity === 'error').length;

  return (
    <div className="app" data-ready={ready ? 'true' : 'false'}>
      <Toolbar
        name={graph.name}
        canUndo={canUndo(state.history)}
        canRedo={canRedo(state.history)}
        totalParams={counts.total}
        errors={errors}
        onUndo={() => dispatch({ type: 'undo' })}
        onRedo={() => dispatch({ type: 'redo' })}
        onLayout={doLayout}
        onFit={fit}
        onTemplates={() => setPicker(true)}
        onOpen={() => fileInput.current?.click()}
        onDownload={download}
        onShare={() => void share()}
        onProjects={() => setProjectsOpen(true)}
      />
      {projects.error && (
        <div className="banner error" role="alert" data-testid="storage-error">
          {projects.error}{' '}
          <button type="button" className="btn" onClick={() => projectActions.dismissError()}>
            Dismiss
          </button>
        </div>
      )}
      <input ref={fileInput} type="file" accept=".json,application/json,.fusionlab" hidden onChange={(e) => void onFile(e)} data-testid="file-input" />
      <div className="workspace">
        <Palette onAdd={addAtCenter} />
        <main className="center">
          <Canvas
            graph={graph}
            analysis={shown}
            paramCounts={counts.nodes}
            selection={state.selection}
            dispatch={dispatch}
            onRefused={onRefused}
            onDropKind={onDropKind}
            fitToken={fitToken}
          />
          <DiagnosticsPanel graph={graph} diagnostics={shown.diagnostics} onPick={onPickDiagnostic} />
          <Dock
            graph={graph}
            analysis={shown}
            dispatch={dispatch}
            selectedNodeId={state.selection.nodes.length === 1 ? state.selection.nodes[0] : undefined}
            notify={(message, kind = 'info') => show(kind, message)}
          />
        </main>
        <Inspector graph={graph} analysis={shown} selection={state.selection} counts={counts} dispatch={dispatch} />
      </div>
      {projectsOpen && <ProjectsDialog onClose={() => setProjectsOpen(false)} busy={trainView.status === 'running' || trainView.status === 'starting' || trainView.status === 'stopping' || data.status === 'loading' ? busyReason() : null} onOpenFile={() => fileInput.current?.click()} />}
      {picker && <TemplatePicker templates={templates} onPick={pickTemplate} onClose={() => setPicker(false)} dataset={openReport ? data.sourceName : undefined} />}
      {shareUrl && (
        <Modal title="Share this graph" onClose={() => setShareUrl(null)}>
          <p className="muted">The whole graph is inside the link (compressed); nothing is uploaded. Anyone who opens it gets a copy.</p>
          <div className="share-row">
            <input readOnly value={shareUrl} data-testid="share-link" onFocus={(e) => e.target.select()} data-autofocus />
            <button
              type="button"
              className="btn primary"
              onClick={() => {
                navigator.clipboard.writeText(shareUrl).then(
                  () => setShareNote('Copied to the clipboard.'),
                  () => setShareNote('Select the link and copy it (Ctrl+C).'),
                );
              }}
            >
              Copy
            </button>
          </div>
          <p className="muted small" role="status">
            {shareNote} {shareUrl.length.toLocaleString('en')} characters.
          </p>
        </Modal>
      )}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </div>
  );
}
