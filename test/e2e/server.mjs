/**
 * Build-if-needed and start the production server on a free port (shared by the e2e runner and
 * bench/editor.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when `.next` is missing or older than the app's sources (or E2E_REBUILD=1). */
export function needsBuild(root) {
  if (process.env.E2E_REBUILD === '1') return true;
  const id = path.join(root, '.next', 'BUILD_ID');
  if (!existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  const sources = ['app', 'components', 'engine', 'nodes', 'templates', 'public'].map((d) => newestMtime(path.join(root, d)));
  const files = ['next.config.js', 'package.json'].map((f) => (existsSync(path.join(root, f)) ? statSync(path.join(root, f)).mtimeMs : 0));
  return Math.max(...sources, ...files) > built;
}

function nextBin(root) {
  return path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
}

/** Run `next build` when needed; false when the build fails. */
export function ensureBuild(root) {
  if (!needsBuild(root)) return true;
  console.log('building the app (next build)…');
  const b = spawnSync(process.execPath, [nextBin(root), 'build'], { cwd: root, env, stdio: 'inherit' });
  return b.status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Start `next start` on a free port; resolves once it answers (ok=false after 60 s). */
export async function startServer(root) {
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [nextBin(root), 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-child.pid, 'SIGTERM'); // the server's own process group, started above
    } catch {
      // already gone
    }
  };
  const end = Date.now() + 60_000;
  let ok = false;
  while (Date.now() < end && child.exitCode === null) {
    try {
      const r = await fetch(baseURL);
      if (r.ok) {
        ok = true;
        break;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ok, baseURL, stop, log: () => log };
}
