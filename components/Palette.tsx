'use client';
/** The node palette: every kind of the registry, grouped by category, searchable; drag or click to add. */
import { useMemo, useState, type DragEvent } from 'react';
import type { AnyNodeSpec, NodeCategory } from '@/engine/spec';
import { NODE_CATEGORIES } from '@/engine/spec';
import { registry } from '@/nodes';
import { DRAG_KIND_MIME } from './Canvas';
import { CATEGORY_COLORS, CATEGORY_NAMES } from './theme';

export default function Palette({ onAdd }: { onAdd(kind: string): void }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const match = (s: AnyNodeSpec) => !q || `${s.label} ${s.kind} ${s.summary} ${s.category}`.toLowerCase().includes(q);
    return NODE_CATEGORIES.map((c): [NodeCategory, AnyNodeSpec[]] => [c, registry.all().filter((s) => s.category === c && match(s))]).filter(([, l]) => l.length > 0);
  }, [query]);

  const onDragStart = (e: DragEvent, kind: string) => {
    e.dataTransfer.setData(DRAG_KIND_MIME, kind);
    e.dataTransfer.setData('text/plain', kind);
    e.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <div className="panel-title">Nodes</div>
      <div className="palette-search">
        <input type="search" placeholder="Search nodes…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search nodes" data-testid="palette-search" />
      </div>
      <div className="palette-list">
        {groups.length === 0 && <p className="muted pad">No node matches “{query}”.</p>}
        {groups.map(([cat, specs]) => (
          <section key={cat} className="palette-group">
            <h3 style={{ ['--accent' as string]: CATEGORY_COLORS[cat] }}>{CATEGORY_NAMES[cat]}</h3>
            {specs.map((s) => (
              <button
                key={s.kind}
                type="button"
                className="palette-item"
                draggable
                onDragStart={(e) => onDragStart(e, s.kind)}
                onClick={() => onAdd(s.kind)}
                data-testid={`palette-item-${s.kind}`}
                title={`${s.label} (${s.kind}) — drag onto the canvas or click to add`}
                style={{ ['--accent' as string]: CATEGORY_COLORS[cat] }}
              >
                <span className="palette-item-label">{s.label}</span>
                <span className="palette-item-summary">{s.summary}</span>
              </button>
            ))}
          </section>
        ))}
      </div>
    </aside>
  );
}
