/**
 * The exported PyTorch training script: one epoch on a 200-row slice of the AV-MNIST dataset under
 * `torchrun --nproc_per_node=2` (gloo on CPU, DistributedDataParallel) lowers the training loss,
 * reads PNG and WAV files with the exported data.py, and rank 0 writes a checkpoint. The Keras 3
 * training script runs on the same slice against the stand-in Keras 3 (which cannot train: it checks
 * what compile and fit are given, and saves).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportProgram } from '../engine/export';
import { registry } from '../nodes';
import { KERAS_CHECK_MANY, loadTemplate, PYTHON, writeFiles } from './fixtures/export-harness';

const AVMNIST = path.resolve(__dirname, '../../shared/datasets/avmnist');

describe('PyTorch training script', () => {
  it.skipIf(!fs.existsSync(path.join(AVMNIST, 'samples.csv')))('trains one epoch under torchrun with 2 processes (gloo) and the loss falls', () => {
    const exp = exportProgram(loadTemplate('avmnist'), registry, 'pytorch');
    expect(exp.ok).toBe(true);
    const dir = writeFiles('torch-train-avmnist', exp.files);
    // --redirects/--tee 1: Debian's torch 1.13 under Python 3.11 cannot parse the default "0".
    const args = ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', 'train.py', '--data', AVMNIST, '--limit', '200', '--epochs', '1', '--batch-size', '8', '--out', 'checkpoint.pt'];
    const res = spawnSync(PYTHON, args, { cwd: dir, encoding: 'utf8', timeout: 150_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(res.status, `${res.stderr}\n${res.stdout}`).toBe(0);
    const events = res.stdout
      .split('\n')
      .map((l) => l.replace(/^\[default\d+\]:/, ''))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, number | string>);
    const start = events.find((e) => e.event === 'start');
    const epoch = events.find((e) => e.event === 'epoch');
    expect(start).toMatchObject({ world_size: 2, backend: 'gloo', skipped: 0 });
    expect(Number(start?.train)).toBeGreaterThan(100);
    expect(epoch).toBeDefined();
    // Only rank 0 logs.
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(1);
    const initial = Number(epoch?.initial_loss);
    const after = Number(epoch?.train_loss);
    expect(Number.isFinite(initial) && Number.isFinite(after)).toBe(true);
    expect(after).toBeLessThan(initial);
    expect(fs.existsSync(path.join(dir, 'checkpoint.pt'))).toBe(true);
  }, 180_000);
});

describe('Keras 3 training script', () => {
  it.skipIf(!fs.existsSync(path.join(AVMNIST, 'samples.csv')))('reads the data with data.py, fits arrays of the model\'s shapes with a loss per output, and saves model.keras', () => {
    const exp = exportProgram(loadTemplate('avmnist'), registry, 'keras');
    expect(exp.ok).toBe(true);
    const dir = writeFiles('keras-train-avmnist', exp.files);
    const standIn = path.join(path.dirname(KERAS_CHECK_MANY), 'keras3');
    const args = ['train.py', '--data', AVMNIST, '--limit', '200', '--epochs', '2', '--batch-size', '8'];
    const res = spawnSync(PYTHON, args, { cwd: dir, encoding: 'utf8', timeout: 150_000, env: { ...process.env, PYTHONPATH: standIn, PYTHONDONTWRITEBYTECODE: '1' } });
    expect(res.status, `${res.stderr}\n${res.stdout}`).toBe(0);
    const fit = res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'fit');
    expect(fit).toMatchObject({ epochs: 2, batch_size: 8, loss: ['categorical_crossentropy'] });
    expect(Number(fit?.rows)).toBeGreaterThan(100);
    expect(Number(fit?.rows) + Number(fit?.val_rows)).toBeLessThanOrEqual(200);
    expect(fs.existsSync(path.join(dir, 'model.keras'))).toBe(true);
  }, 180_000);
});
