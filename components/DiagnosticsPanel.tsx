'use client';
/** Every problem of the graph; clicking one selects and centres its node. */
import { useState } from 'react';
import type { Diagnostic } from '@/engine/diagnostics';
import type { GraphDoc } from '@/engine/graph';
import { cx } from './theme';

interface Props {
  graph: GraphDoc;
  diagnostics: Diagnostic[];
  onPick(d: Diagnostic): void;
}

export default function DiagnosticsPanel({ graph, diagnostics, onPick }: Props) {
  const [open, setOpen] = useState(true);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const labelOf = (id?: string) => {
    if (!id) return '';
    const n = graph.nodes.find((x) => x.id === id);
    return n ? n.label || n.id : id;
  };
  const sorted = [...diagnostics].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <section className={cx('diagnostics', open && 'is-open')} data-testid="diagnostics" aria-label="Problems">
      <button type="button" className="diag-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="diag-caret" aria-hidden>
          {open ? '▾' : '▸'}
        </span>
        <span>Problems</span>
        <span className={cx('count', errors > 0 && 'err')}>{errors} error{errors === 1 ? '' : 's'}</span>
        <span className={cx('count', warnings > 0 && 'warn')}>{warnings} warning{warnings === 1 ? '' : 's'}</span>
        {diagnostics.length === 0 && <span className="ok">✓ the graph is valid</span>}
      </button>
      {open && diagnostics.length > 0 && (
        <ul className="diag-list">
          {sorted.map((d, i) => (
            <li key={i}>
              <button type="button" className={cx('diag-item', d.severity)} onClick={() => onPick(d)} disabled={!d.nodeId && !d.edgeId} data-testid="diagnostic-item">
                <span className="diag-icon" aria-label={d.severity}>
                  {d.severity === 'error' ? '●' : '▲'}
                </span>
                {d.nodeId && <span className="diag-node">{labelOf(d.nodeId)}</span>}
                <span className="diag-msg">{d.message}</span>
                <span className="diag-code">{d.code}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
