#!/usr/bin/env node
// Runs every test: vitest (unit, integration, CLI), then the browser tests against a production
// build. Prints one closing line `N passed, N failed` over both and exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
mkdirSync(path.join(root, 'test-results'), { recursive: true });
const unitJson = path.join(root, 'test-results/vitest.json');

// Static checks count as tests: strict types and the house rules.
let passed = 0;
let failed = 0;
for (const [name, cmd, args] of [
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']],
  ['lint', process.execPath, ['scripts/lint.mjs']],
]) {
  console.log(`\n> ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) passed++;
  else failed++;
}

rmSync(unitJson, { force: true });
const unit = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`], { cwd: root, stdio: 'inherit' });
let unitFailed = 0;
if (existsSync(unitJson)) {
  const r = JSON.parse(readFileSync(unitJson, 'utf8'));
  passed += r.numPassedTests;
  unitFailed = r.numFailedTests;
}
// A crash, or a suite that failed to load, counts once even when no test inside it ran.
failed += unit.status !== 0 && unitFailed === 0 ? 1 : unitFailed;

// The browser runner prints its own closing `N passed, N failed` line; read the last one.
const e2e = spawnSync(process.execPath, [path.join(root, 'test/e2e/run.mjs')], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
process.stdout.write(e2e.stdout ?? '');
const counts = [...(e2e.stdout ?? '').matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed/gm)].at(-1);
if (counts) {
  passed += Number(counts[1]);
  failed += Number(counts[2]);
} else if (e2e.status !== 0) failed += 1;

console.log(`\nall tests: ${passed} passed, ${failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || unit.status !== 0 || e2e.status !== 0 ? 1 : 0);
