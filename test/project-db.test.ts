/**
 * Projects in IndexedDB (components/project/db.ts) over fake-indexeddb: each write lands whole
 * or not at all, a full quota is a StorageFull error that leaves the previous save readable, and
 * deleting removes every part. The stored Train panel results come back through the same
 * checks a project file's do (components/train/persistView.ts).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { closeDatabase, deleteProject, lastProjectId, listProjects, readProject, simulateQuotaOnNextWrite, StorageFull, writeProject } from '../components/project/db';
import { persistedView, restoredView } from '../components/train/persistView';
import { initialView } from '../components/train/protocol';
import { emptyGraph } from '../engine/graph';
import { newProject } from '../engine/project/project';

const model = (epoch: number) => ({ bytes: new Uint8Array([1, 2, 3, epoch]), epoch, complete: false, savedAt: new Date().toISOString() });

describe('project storage', () => {
  it('writes every part in one transaction and reads them back', async () => {
    const doc = newProject(emptyGraph('A'));
    const sizes = await writeProject({ doc, model: model(1), results: { status: 'finished' }, last: true });
    expect(sizes.model).toBe(4);
    expect(sizes.project).toBeGreaterThan(0);
    const back = await readProject(doc.id);
    expect(back?.record.doc.name).toBe('A');
    expect(back?.model?.epoch).toBe(1);
    expect(back?.results).toEqual({ status: 'finished' });
    expect(await lastProjectId()).toBe(doc.id);
  });

  it('a full quota aborts the whole write: the previous epoch and graph stay', async () => {
    const doc = newProject(emptyGraph('B'));
    await writeProject({ doc, model: model(3) });
    simulateQuotaOnNextWrite();
    const changed = { ...doc, graph: emptyGraph('B changed') };
    await expect(writeProject({ doc: changed, model: model(4) }, 'the model of epoch 4')).rejects.toBeInstanceOf(StorageFull);
    const back = await readProject(doc.id);
    expect(back?.model?.epoch).toBe(3);
    expect(back?.record.doc.graph.name).toBe('B');
    // The next write works again.
    await writeProject({ doc: changed, model: model(4) });
    expect((await readProject(doc.id))?.model?.epoch).toBe(4);
  });

  it('deletes every part of a project and forgets it as the last one', async () => {
    const doc = newProject(emptyGraph('C'));
    await writeProject({ doc, model: model(1), results: {}, dataset: { input: { kind: 'demo', seed: 1, rows: 10 } }, last: true });
    await deleteProject(doc.id);
    expect(await readProject(doc.id)).toBeNull();
    expect(await lastProjectId()).toBeNull();
    expect((await listProjects()).some((r) => r.doc.id === doc.id)).toBe(false);
    closeDatabase();
  });
});

describe('stored Train panel results', () => {
  it('a running view is kept as stopped, and comes back with the saved epoch named', () => {
    const v = { ...initialView(), status: 'running' as const, epochsDone: 3, epochSeries: { head: [{ x: 1, loss: 0.5 }, { x: 2, loss: 0.4 }] }, primary: 'head' };
    const stored = persistedView(v);
    expect(stored.status).toBe('stopped');
    const back = restoredView(JSON.parse(JSON.stringify(stored)), 3);
    expect(back?.status).toBe('stopped');
    expect(back?.epochSeries.head).toHaveLength(2);
    expect(back?.restored).toBe(true);
    expect(back?.stage).toMatch(/saved after epoch 3.*had not finished/);
  });

  it('drops what cannot be drawn from an untrusted file', () => {
    const back = restoredView({ status: 'weird', epochsDone: -4, epochSeries: { head: [{ x: 'a', loss: 'NaN' }, 5], other: 'x' }, evaluation: { count: 'many' }, final: { train: { outputs: { h: { loss: 0.1 } } } } });
    expect(back?.status).toBe('stopped');
    expect(back?.epochsDone).toBe(0);
    expect(back?.epochSeries.head).toEqual([{ x: 0, loss: undefined, accuracy: undefined, valLoss: undefined, valAccuracy: undefined }]);
    expect(back?.epochSeries.other).toBeUndefined();
    expect(back?.evaluation).toBeNull();
    expect(back?.final).not.toBeNull();
    expect(restoredView('nope')).toBeNull();
  });

  it('keeps a Compare study with the project, and drops one it cannot draw', () => {
    const report = {
      split: 'test',
      count: 20,
      metric: 'accuracy',
      seeds: 3,
      stopped: false,
      takeaway: 'Fusion helps.',
      rows: [
        { name: 'fused', kind: 'fused', status: 'ok', values: [0.9, 0.95, 1], seeds: 3, mean: 0.95, ci95: [0.83, 1], params: 10, seconds: 1, diagnostics: [] },
        { name: 'a only', kind: 'single', inputId: 'a', status: 'ok', values: [0.5, 0.6, 0.55], seeds: 3, mean: 0.55, ci95: [0.43, 0.67], diagnostics: [] },
      ],
    };
    const v = { ...initialView(), status: 'finished' as const, compare: { status: 'done' as const, request: { seeds: 3, sweep: true }, progress: null, report: report as never, error: null } };
    const back = restoredView(JSON.parse(JSON.stringify(persistedView(v))));
    expect(back?.compare).toEqual({ status: 'done', request: { seeds: 3, sweep: true }, progress: null, report, error: null });
    // The single-seed comparison of an older version, or a row with text for a number: dropped.
    const old = { status: 'done', report: { split: 'test', count: 20, metric: 'accuracy', fused: { value: 1, loss: 0 }, rows: [{ inputId: 'a', status: 'ok', value: 0.5, epochs: 3, diagnostics: [] }], stopped: false } };
    expect(restoredView({ status: 'finished', compare: old })?.compare).toBeNull();
    const bad = { ...persistedView(v).compare, report: { ...report, rows: [{ ...report.rows[0], mean: '0.9' }] } };
    expect(restoredView({ status: 'finished', compare: bad })?.compare).toBeNull();
    // A running one is not kept.
    expect(persistedView({ ...v, compare: { ...v.compare, status: 'running' } }).compare).toBeNull();
  });
});
