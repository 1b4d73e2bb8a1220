'use client';
/** The inspector: params, doc, shapes and parameter count of the selected node (or the graph). */
import { useMemo, useRef, type Dispatch } from 'react';
import { hasErrors } from '@/engine/diagnostics';
import { paramFields } from '@/engine/editor/fields';
import type { EditorAction, Selection } from '@/engine/editor/state';
import type { GraphDoc } from '@/engine/graph';
import { formatShape } from '@/engine/spec';
import type { GraphAnalysis } from '@/engine/validate';
import { useDatasetColumns } from './datasetColumns';
import Markdown from './Markdown';
import ParamInput from './ParamInput';
import { CATEGORY_COLORS, CATEGORY_NAMES, kindColor } from './theme';
import type { ParamCounts } from './useParamCounts';

interface Props {
  graph: GraphDoc;
  analysis: GraphAnalysis;
  selection: Selection;
  counts: ParamCounts;
  dispatch: Dispatch<EditorAction>;
}

export default function Inspector({ graph, analysis, selection, counts, dispatch }: Props) {
  const columns = useDatasetColumns();
  const nodeId = selection.nodes.length === 1 ? selection.nodes[0] : null;
  const node = nodeId ? graph.nodes.find((n) => n.id === nodeId) : undefined;
  return (
    <aside className="inspector" data-testid="inspector" aria-label="Inspector">
      {node ? (
        <NodeInspector key={node.id} node={node} analysis={analysis} counts={counts} columns={columns} dispatch={dispatch} />
      ) : selection.nodes.length > 1 ? (
        <MultiInspector count={selection.nodes.length} dispatch={dispatch} />
      ) : (
        <GraphInspector graph={graph} analysis={analysis} counts={counts} dispatch={dispatch} />
      )}
    </aside>
  );
}

function NodeInspector({ node, analysis, counts, columns, dispatch }: { node: GraphDoc['nodes'][number]; analysis: GraphAnalysis; counts: ParamCounts; columns?: string[]; dispatch: Dispatch<EditorAction> }) {
  const a = analysis.nodes.get(node.id);
  const spec = a?.spec;
  const fields = useMemo(() => (spec ? paramFields(spec) : []), [spec]);
  const renameKey = useRef('');
  const problems = analysis.diagnostics.filter((d) => d.nodeId === node.id);
  const count = counts.nodes?.[node.id];
  const summary = counts.summary?.[node.id];
  if (!spec) {
    return (
      <div className="insp-body">
        <div className="panel-title">Unknown node</div>
        <p className="muted pad">
          This node’s kind <code>{node.kind}</code> is not in the catalogue. Delete it or open the graph in a FusionLab that has it.
        </p>
      </div>
    );
  }
  return (
    <div className="insp-body">
      <header className="insp-head" style={{ ['--accent' as string]: CATEGORY_COLORS[spec.category] }}>
        <div className="insp-kind">
          <span className="chip">{CATEGORY_NAMES[spec.category]}</span>
          <code>{node.kind}</code>
        </div>
        <label className="field-label" htmlFor="insp-name">
          Name
        </label>
        <input
          id="insp-name"
          className="insp-name"
          value={node.label}
          placeholder={spec.label}
          data-testid="node-name"
          onFocus={() => (renameKey.current = `rename:${node.id}:${Math.random().toString(36).slice(2)}`)}
          onChange={(e) => dispatch({ type: 'rename', id: node.id, label: e.target.value, coalesce: renameKey.current })}
        />
        <div className="insp-id muted">
          id <code>{node.id}</code>
        </div>
      </header>

      {problems.length > 0 && (
        <section className="insp-section">
          <ul className="insp-problems">
            {problems.map((d, i) => (
              <li key={i} className={d.severity}>
                {d.message}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="insp-section">
        <h4>Parameters</h4>
        {fields.length === 0 && <p className="muted">This node has no settings.</p>}
        {fields.map((f) => (
          <ParamInput
            key={f.name}
            spec={spec}
            field={f}
            value={f.name in node.params ? node.params[f.name] : (a.params?.[f.name] ?? f.default)}
            columns={columns}
            onChange={(value, key) => dispatch({ type: 'setParam', id: node.id, name: f.name, value, coalesce: key })}
          />
        ))}
        <div className="field field-boolean">
          <span className="field-label">frozen</span>
          <div className="field-control">
            <label className="switch">
              <input type="checkbox" role="switch" checked={node.frozen} data-testid="node-frozen" onChange={(e) => dispatch({ type: 'setFrozen', id: node.id, frozen: e.target.checked })} />
              <span className="switch-track" aria-hidden />
              <span className="switch-text">{node.frozen ? 'frozen' : 'trains'}</span>
            </label>
          </div>
          <div className="field-help">Keep this node’s weights fixed during training (for pretrained parts).</div>
        </div>
      </section>

      <section className="insp-section">
        <h4>Shapes</h4>
        <table className="shape-table" data-testid="inspector-shapes">
          <tbody>
            {(a.ports?.inputs ?? []).map((p) => {
              const ts = a.inputs[p.id] ?? [];
              return (
                <tr key={`i-${p.id}`}>
                  <td className="dir">in</td>
                  <td>{p.label}</td>
                  <td className="shape">
                    {ts.length ? (
                      ts.map((t, i) => (
                        <span key={i} style={{ color: kindColor(t.kind) }}>
                          {t.kind} {formatShape(t.shape)}
                        </span>
                      ))
                    ) : (
                      <span className="muted">{p.optional ? 'optional' : 'not connected'}</span>
                    )}
                  </td>
                </tr>
              );
            })}
            {(a.ports?.outputs ?? []).map((p) => {
              const t = a.outputs[p.id];
              return (
                <tr key={`o-${p.id}`}>
                  <td className="dir">out</td>
                  <td>{p.label}</td>
                  <td className="shape" data-testid={`inspector-out-${p.id}`}>
                    {t ? <span style={{ color: kindColor(t.kind) }}>{`${t.kind} ${formatShape(t.shape)}`}</span> : <span className="muted">unknown</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="insp-params" data-testid="inspector-param-count">
          {count !== undefined ? (
            <>
              <strong>{count.toLocaleString('en')}</strong> parameters
              {summary && summary.length > 0 ? <span className="muted"> in {summary.length} layer{summary.length === 1 ? '' : 's'}</span> : null}
            </>
          ) : counts.status === 'pending' ? (
            <span className="muted">counting parameters…</span>
          ) : (
            <span className="muted">Parameter count appears once the graph compiles.</span>
          )}
        </div>
        {summary && summary.length > 0 && (
          <table className="layer-table">
            <tbody>
              {summary.map((l) => (
                <tr key={l.name}>
                  <td>{l.className}</td>
                  <td className="shape">{l.outputShape}</td>
                  <td className="num">{l.params.toLocaleString('en')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="insp-section">
        <h4>About {spec.label}</h4>
        <Markdown text={spec.doc} />
      </section>
    </div>
  );
}

function MultiInspector({ count, dispatch }: { count: number; dispatch: Dispatch<EditorAction> }) {
  return (
    <div className="insp-body">
      <div className="panel-title">{count} nodes selected</div>
      <div className="pad stack">
        <button type="button" className="btn" onClick={() => dispatch({ type: 'duplicate' })}>
          Duplicate <kbd>Ctrl D</kbd>
        </button>
        <button type="button" className="btn danger" onClick={() => dispatch({ type: 'removeSelection' })}>
          Delete <kbd>Del</kbd>
        </button>
      </div>
    </div>
  );
}

function GraphInspector({ graph, analysis, counts, dispatch }: { graph: GraphDoc; analysis: GraphAnalysis; counts: ParamCounts; dispatch: Dispatch<EditorAction> }) {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = analysis.diagnostics.length - errors;
  return (
    <div className="insp-body">
      <div className="panel-title">Model</div>
      <div className="insp-section">
        <label className="field-label" htmlFor="graph-name">
          Name
        </label>
        <input id="graph-name" className="insp-name" value={graph.name} data-testid="graph-name" onChange={(e) => dispatch({ type: 'setInfo', name: e.target.value })} />
        <label className="field-label" htmlFor="graph-desc">
          Description
        </label>
        <textarea id="graph-desc" rows={5} value={graph.description} onChange={(e) => dispatch({ type: 'setInfo', description: e.target.value })} />
      </div>
      <div className="insp-section">
        <dl className="stats">
          <dt>Nodes</dt>
          <dd>{graph.nodes.length}</dd>
          <dt>Connections</dt>
          <dd>{graph.edges.length}</dd>
          <dt>Parameters</dt>
          <dd data-testid="total-params">{counts.total !== null ? counts.total.toLocaleString('en') : hasErrors(analysis.diagnostics) ? '—' : '…'}</dd>
          <dt>Problems</dt>
          <dd>
            {errors} error{errors === 1 ? '' : 's'}, {warnings} warning{warnings === 1 ? '' : 's'}
          </dd>
        </dl>
      </div>
      <div className="insp-section hint">
        <p>Select a node to edit its parameters and read what it does.</p>
        <ul className="keys">
          <li>
            <kbd>Shift</kbd> + drag: box select · <kbd>Shift</kbd> + click: add to selection
          </li>
          <li>
            <kbd>Ctrl C</kbd> / <kbd>Ctrl V</kbd> / <kbd>Ctrl D</kbd>: copy, paste, duplicate
          </li>
          <li>
            <kbd>Ctrl Z</kbd> / <kbd>Ctrl Shift Z</kbd>: undo, redo · <kbd>Del</kbd>: delete
          </li>
        </ul>
      </div>
    </div>
  );
}
