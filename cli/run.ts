/** Entry point: run the CLI and exit with its code once stdout and stderr are written out. */
import { main } from './main';

/**
 * `process.exit` drops whatever a pipe has not taken yet (Node writes to pipes asynchronously),
 * which cut `--json` output at 64 KiB. A write's callback runs once everything queued before it
 * has been handed to the OS, so exit waits for an empty write on each stream.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(exitAfterFlush, (e: unknown) => {
  console.error(`fusionlab: ${e instanceof Error ? e.stack : String(e)}`);
  exitAfterFlush(1);
});
