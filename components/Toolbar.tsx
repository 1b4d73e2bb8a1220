'use client';
/** The top bar: file, history and view commands. */
import type { ReactNode } from 'react';
import { formatCount } from './theme';

const ICONS: Record<string, ReactNode> = {
  undo: <path d="M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />,
  redo: <path d="m15 14 5-5-5-5M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />,
  layout: <path d="M3 5h6v4H3zM15 3h6v4h-6zM15 15h6v4h-6zM9 7h3v10h3M12 5h3" />,
  fit: <path d="M3 8V3h5M21 8V3h-5M3 16v5h5M21 16v5h-5M8 12h8M12 8v8" />,
  templates: <path d="M3 3h7v7H3zM14 3h7v7h-7zM14 14h7v7h-7zM3 14h7v7H3z" />,
  open: <path d="M3 7V5a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM12 10v6M9 13l3-3 3 3" />,
  download: <path d="M12 3v12M7 10l5 5 5-5M4 19h16" />,
  projects: <path d="M3 7h6l2 2h10v10H3zM3 7V5h6l2 2" />,
  share: <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />,
};

export function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      {ICONS[name]}
    </svg>
  );
}

function Btn({ icon, label, onClick, disabled, testId, kbd }: { icon: keyof typeof ICONS; label: string; onClick(): void; disabled?: boolean; testId: string; kbd?: string }) {
  return (
    <button type="button" className="tb-btn" onClick={onClick} disabled={disabled} data-testid={testId} title={kbd ? `${label} (${kbd})` : label} aria-label={label}>
      <Icon name={icon} />
      <span className="tb-label">{label}</span>
    </button>
  );
}

export interface ToolbarProps {
  name: string;
  canUndo: boolean;
  canRedo: boolean;
  totalParams: number | null;
  errors: number;
  onUndo(): void;
  onRedo(): void;
  onLayout(): void;
  onFit(): void;
  onTemplates(): void;
  onOpen(): void;
  onDownload(): void;
  onShare(): void;
  onProjects(): void;
}

export default function Toolbar(p: ToolbarProps) {
  return (
    <header className="toolbar" role="toolbar" aria-label="Editor commands">
      <div className="brand">
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden>
          <circle cx="5" cy="6" r="2.6" fill="#38bdf8" />
          <circle cx="5" cy="18" r="2.6" fill="#4ade80" />
          <circle cx="19" cy="12" r="3" fill="#f59e0b" />
          <path d="M7.5 6.5C12 7 13 11 16 12M7.5 17.5C12 17 13 13 16 12" stroke="#8b93a7" strokeWidth="1.6" fill="none" />
        </svg>
        <span className="brand-name">FusionLab</span>
        <span className="brand-sep">/</span>
        <span className="graph-name" title={p.name} data-testid="toolbar-graph-name">
          {p.name || 'Untitled'}
        </span>
      </div>
      <div className="tb-group">
        <Btn icon="projects" label="Projects" onClick={p.onProjects} testId="btn-projects" />
        <Btn icon="templates" label="Templates" onClick={p.onTemplates} testId="btn-templates" />
        <Btn icon="open" label="Open" onClick={p.onOpen} testId="btn-open" kbd="Ctrl+O" />
        <Btn icon="download" label="Download" onClick={p.onDownload} testId="btn-download" kbd="Ctrl+S" />
        <Btn icon="share" label="Share" onClick={p.onShare} testId="btn-share" />
      </div>
      <div className="tb-group">
        <Btn icon="undo" label="Undo" onClick={p.onUndo} disabled={!p.canUndo} testId="btn-undo" kbd="Ctrl+Z" />
        <Btn icon="redo" label="Redo" onClick={p.onRedo} disabled={!p.canRedo} testId="btn-redo" kbd="Ctrl+Shift+Z" />
      </div>
      <div className="tb-group">
        <Btn icon="layout" label="Auto-layout" onClick={p.onLayout} testId="btn-layout" kbd="Ctrl+L" />
        <Btn icon="fit" label="Fit view" onClick={p.onFit} testId="btn-fit" kbd="F" />
      </div>
      <div className="tb-status">
        <span className={p.errors ? 'pill err' : 'pill ok'} data-testid="graph-status">
          {p.errors ? `${p.errors} error${p.errors === 1 ? '' : 's'}` : 'valid'}
        </span>
        <span className="pill" data-testid="toolbar-params">
          {p.totalParams !== null ? `${formatCount(p.totalParams)} params` : '— params'}
        </span>
      </div>
    </header>
  );
}
