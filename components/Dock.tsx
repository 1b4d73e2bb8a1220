'use client';
/**
 * The dock under the canvas: one tab per panel (Data, Train, Code). Each panel lives in its own
 * file under components/panels/ and is listed once in PANELS; the dock only draws the tabs,
 * remembers which is open and lets the user resize or collapse it.
 */
import { useCallback, useEffect, useRef, useState, type ComponentType } from 'react';
import CodePanel from './panels/CodePanel';
import DataPanel from './panels/DataPanel';
import PredictPanel from './panels/PredictPanel';
import TrainPanel from './panels/TrainPanel';
import type { PanelProps } from './panels/types';
import { cx } from './theme';

export interface PanelEntry {
  id: string;
  title: string;
  Panel: ComponentType<PanelProps>;
}

/** The panels, in tab order. Each panel's file adds its one line here. */
export const PANELS: PanelEntry[] = [
  { id: 'data', title: 'Data', Panel: DataPanel },
  { id: 'train', title: 'Train', Panel: TrainPanel },
  { id: 'predict', title: 'Predict', Panel: PredictPanel },
  { id: 'code', title: 'Code', Panel: CodePanel },
];

const MIN = 140;

export default function Dock(props: PanelProps) {
  const [open, setOpen] = useState<string | null>(PANELS[0]?.id ?? null);
  const [height, setHeight] = useState(300);
  const drag = useRef<{ y: number; h: number } | null>(null);

  const onMove = useCallback((e: PointerEvent) => {
    if (!drag.current) return;
    const max = Math.max(MIN, window.innerHeight - 220);
    setHeight(Math.min(max, Math.max(MIN, drag.current.h + drag.current.y - e.clientY)));
  }, []);
  const onUp = useCallback(() => {
    drag.current = null;
  }, []);
  useEffect(() => {
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    return () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
    };
  }, [onMove, onUp]);

  if (PANELS.length === 0) return null;
  const active = PANELS.find((p) => p.id === open);
  return (
    <section className={cx('dock', active && 'is-open')} aria-label="Panels" data-testid="dock">
      {active && (
        <div
          className="dock-resize"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize the panel"
          onPointerDown={(e) => {
            drag.current = { y: e.clientY, h: height };
          }}
        />
      )}
      <div className="dock-tabs" role="tablist">
        {PANELS.map((p) => (
          <button
            key={p.id}
            type="button"
            role="tab"
            aria-selected={p.id === open}
            className={cx('dock-tab', p.id === open && 'is-active')}
            data-testid={`dock-tab-${p.id}`}
            onClick={() => setOpen(p.id === open ? null : p.id)}
          >
            {p.title}
          </button>
        ))}
        <span className="dock-spacer" />
        {active && (
          <button type="button" className="icon-btn" aria-label="Collapse the panel" onClick={() => setOpen(null)}>
            ▾
          </button>
        )}
      </div>
      {/* Panels stay mounted when hidden so a running job (processing, training) keeps its state. */}
      {PANELS.map((p) => (
        <div key={p.id} role="tabpanel" className="dock-body" hidden={p.id !== open} style={{ height }} data-testid={`panel-${p.id}`}>
          <p.Panel {...props} />
        </div>
      ))}
    </section>
  );
}
