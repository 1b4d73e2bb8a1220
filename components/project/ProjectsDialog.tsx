'use client';
/**
 * The project list: new, open, rename, duplicate, delete, with the storage each project uses and
 * the site's total. Switching is refused while training runs (the run belongs to the open one).
 */
import { useEffect, useState } from 'react';
import { emptyGraph } from '@/engine/graph';
import { formatStorage } from '@/engine/project/project';
import Modal from '../Modal';
import { projectActions, useProjects } from './projectStore';

function total(s: { project: number; model: number; results: number; dataset: number }): number {
  return s.project + s.model + s.results + s.dataset;
}

export default function ProjectsDialog({ onClose, busy, onOpenFile }: { onClose(): void; busy: string | null; onOpenFile(): void }) {
  const p = useProjects();
  const [withData, setWithData] = useState(true);
  const [versionName, setVersionName] = useState('');
  const versions = p.current?.versions ?? [];
  const [renaming, setRenaming] = useState<string | null>(null);
  const [name, setName] = useState('');
  useEffect(() => void projectActions.refresh(), []);
  const stored = p.list.reduce((a, r) => a + total(r.sizes), 0);
  return (
    <Modal title="Projects" onClose={onClose} testId="projects-dialog" wide>
      <p className="muted">
        Each project keeps its graph with undo steps, the train settings, the trained model, the results and the dataset in this browser (IndexedDB), on this
        device only. {p.available ? '' : 'Storage is unavailable here, so nothing survives a reload.'}
      </p>
      {p.error && (
        <p className="error-text" role="alert" data-testid="projects-error">
          {p.error}
        </p>
      )}
      {busy && <p className="muted" data-testid="projects-busy">{busy}</p>}
      <div className="share-row">
        <button
          type="button"
          className="btn primary"
          data-testid="project-new"
          disabled={!!busy}
          onClick={() => {
            onClose();
            void projectActions.create(emptyGraph('Untitled'), 'Untitled project');
          }}
        >
          New project
        </button>
        <button type="button" className="btn" data-testid="project-download" onClick={() => void projectActions.downloadFile(withData)} title="The graph, trained model, fitted preprocessing, results and settings as one .fusionlab file: open it here or on another machine, or use it with the fusionlab CLI">
          Download project file
        </button>
        <label className="muted small" style={{ alignSelf: 'center' }}>
          <input type="checkbox" checked={withData} onChange={(e) => setWithData(e.target.checked)} data-testid="project-download-data" /> with the dataset
        </label>
        <button
          type="button"
          className="btn"
          data-testid="project-open-file"
          disabled={!!busy}
          onClick={() => {
            onClose();
            onOpenFile();
          }}
        >
          Open project file…
        </button>
      </div>
      <table className="projects-table" data-testid="projects-list">
        <thead>
          <tr>
            <th>Project</th>
            <th>Changed</th>
            <th className="num">Stored</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {p.list.map((r) => {
            const id = r.doc.id;
            const current = id === p.current?.id;
            return (
              <tr key={id} data-testid="project-row" data-current={current ? 'true' : 'false'} data-name={r.doc.name}>
                <td>
                  {renaming === id ? (
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        setRenaming(null);
                        void projectActions.rename(id, name);
                      }}
                    >
                      <input value={name} onChange={(e) => setName(e.target.value)} data-testid="project-rename-input" aria-label="Project name" autoFocus maxLength={120} />
                    </form>
                  ) : (
                    <span>
                      <b>{r.doc.name}</b>
                      {current ? <span className="muted"> (open)</span> : null}
                      <span className="muted small">
                        {' '}
                        · {r.doc.graph.nodes.length} nodes{r.doc.model ? ` · trained ${r.doc.model.epoch} epoch${r.doc.model.epoch === 1 ? '' : 's'}` : ''}
                        {r.doc.dataset ? ` · ${r.doc.dataset.name}` : ''}
                      </span>
                    </span>
                  )}
                </td>
                <td className="muted small">{new Date(r.doc.updatedAt).toLocaleString()}</td>
                <td className="num" data-testid="project-size" title={`graph ${formatStorage(r.sizes.project)}, model ${formatStorage(r.sizes.model)}, results ${formatStorage(r.sizes.results)}, dataset ${formatStorage(r.sizes.dataset)}`}>
                  {formatStorage(total(r.sizes))}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="btn"
                    data-testid="project-open"
                    disabled={current || !!busy}
                    onClick={() => {
                      onClose();
                      void projectActions.open(id);
                    }}
                  >
                    Open
                  </button>
                  <button
                    type="button"
                    className="btn"
                    data-testid="project-rename"
                    onClick={() => {
                      setRenaming(id);
                      setName(r.doc.name);
                    }}
                  >
                    Rename
                  </button>
                  <button type="button" className="btn" data-testid="project-duplicate" onClick={() => void projectActions.duplicate(id)}>
                    Duplicate
                  </button>
                  <button
                    type="button"
                    className="btn"
                    data-testid="project-delete"
                    disabled={current && !!busy}
                    onClick={() => {
                      if (window.confirm(`Delete “${r.doc.name}” and everything stored with it? This cannot be undone.`)) void projectActions.remove(id);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3 className="projects-sub">Versions of “{p.current?.name ?? ''}”</h3>
      <form
        className="share-row"
        onSubmit={(e) => {
          e.preventDefault();
          projectActions.saveVersion(versionName || `Version ${versions.length + 1}`);
          setVersionName('');
        }}
      >
        <input value={versionName} onChange={(e) => setVersionName(e.target.value)} placeholder={`Version ${versions.length + 1}`} aria-label="Version name" data-testid="version-name" maxLength={120} />
        <button type="submit" className="btn" data-testid="version-save">
          Save this graph as a version
        </button>
      </form>
      {versions.length > 0 ? (
        <table className="projects-table" data-testid="versions-list">
          <tbody>
            {versions
              .map((v, i) => ({ v, i }))
              .reverse()
              .map(({ v, i }) => (
                <tr key={`${i}-${v.savedAt}`} data-testid="version-row" data-name={v.name}>
                  <td>
                    <b>{v.name}</b> <span className="muted small">· {v.graph.nodes.length} nodes</span>
                  </td>
                  <td className="muted small">{new Date(v.savedAt).toLocaleString()}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn"
                      data-testid="version-restore"
                      title="Put this version on the canvas; Undo brings back the graph before it"
                      onClick={() => {
                        onClose();
                        projectActions.restoreVersion(i);
                      }}
                    >
                      Restore
                    </button>
                    <button type="button" className="btn" data-testid="version-delete" onClick={() => projectActions.deleteVersion(i)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">No saved versions yet: the graph is autosaved as you edit; a version is a copy you can go back to.</p>
      )}
      <p className="muted small" data-testid="projects-total">
        {p.list.length} project{p.list.length === 1 ? '' : 's'}, {formatStorage(stored)} stored
        {p.estimate ? `; this site uses ${formatStorage(p.estimate.usage)} of the ${formatStorage(p.estimate.quota)} the browser allows` : ''}.
      </p>
    </Modal>
  );
}
