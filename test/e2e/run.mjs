#!/usr/bin/env node
/**
 * Browser tests: builds the app if the build is missing or older than the sources, starts the
 * production server on a free port, runs every test/e2e/*.e2e.ts in headless Chromium (through
 * harness.ts, loaded with tsx), stops the server and ends with `N passed, N failed`.
 *
 * Env: CHROMIUM (default /usr/bin/chromium), E2E_REBUILD=1 to force a build, E2E_FILTER=text
 * to run only tests whose name contains it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild, startServer } from './server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.log(`e2e: no Chromium at ${chromium}; install it (apt-get install -y chromium) or set CHROMIUM`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!ensureBuild(root)) {
  console.log('e2e: the build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const server = await startServer(root);
process.on('exit', server.stop);
process.on('SIGINT', () => process.exit(130));

let code = 1;
if (!server.ok) {
  console.log(`e2e: the server did not start\n${server.log()}`);
  console.log('0 passed, 1 failed');
} else {
  const harness = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'scripts', 'raw-loader.mjs'), path.join(root, 'test', 'e2e', 'harness.ts')], {
    cwd: root,
    env: { ...env, E2E_BASE_URL: server.baseURL },
    stdio: 'inherit',
  });
  code = await new Promise((resolve) => harness.on('exit', (c) => resolve(c ?? 1)));
}
server.stop();
process.exit(code);
