'use client';
/** Every template with its description and a thumbnail of its graph. */
import { useState } from 'react';
import { previewGeometry } from '@/engine/editor/preview';
import { registry } from '@/nodes';
import type { Template } from '@/templates';
import Modal from './Modal';
import { CATEGORY_COLORS } from './theme';

function Preview({ t }: { t: Template }) {
  const W = 220;
  const H = 110;
  const g = previewGeometry(t.graph, registry, W, H, 8);
  return (
    <svg className="tpl-preview" viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden>
      {g.edges.map((e) => {
        const mx = (e.x1 + e.x2) / 2;
        return <path key={e.id} d={`M${e.x1},${e.y1} C${mx},${e.y1} ${mx},${e.y2} ${e.x2},${e.y2}`} fill="none" stroke="#5b6478" strokeWidth={1.2} />;
      })}
      {g.nodes.map((n) => (
        <rect key={n.id} x={n.x} y={n.y} width={n.width} height={n.height} rx={Math.min(4, n.height / 4)} fill="#1d2330" stroke={CATEGORY_COLORS[n.category]} strokeWidth={1.4} />
      ))}
    </svg>
  );
}

/**
 * `dataset`: the name of the open dataset, when there is one: the picker then offers to point the
 * template's inputs and heads at that dataset's columns (on by default).
 */
export default function TemplatePicker({ templates, onPick, onClose, dataset }: { templates: Template[]; onPick(t: Template, fitToDataset: boolean): void; onClose(): void; dataset?: string }) {
  const [fit, setFit] = useState(true);
  return (
    <Modal title="Start from a template" onClose={onClose} testId="template-picker" wide>
      <p className="muted">Each template is a complete model you can train and change. Opening one replaces the canvas (undo brings your graph back).</p>
      {dataset && (
        <label className="tpl-fit">
          <input type="checkbox" checked={fit} onChange={(e) => setFit(e.target.checked)} data-testid="template-fit" /> Use this dataset&apos;s columns: point the template&apos;s inputs and heads at the columns of <strong>{dataset}</strong>
        </label>
      )}
      <div className="tpl-grid">
        {templates.map((t, i) => (
          <button key={t.id} type="button" className="tpl-card" onClick={() => onPick(t, !!dataset && fit)} data-testid={`template-${t.id}`} data-autofocus={i === 0 ? true : undefined}>
            <Preview t={t} />
            <span className="tpl-name">{t.name}</span>
            <span className="tpl-desc">{t.description}</span>
            <span className="tpl-meta">
              {t.graph.nodes.length} nodes · {t.graph.edges.length} connections
            </span>
          </button>
        ))}
      </div>
    </Modal>
  );
}
