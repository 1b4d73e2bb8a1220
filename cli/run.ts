/** Entry point: run the CLI and exit with its code. */
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`fusionlab: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
