/**
 * The `fusionlab` command: the same engine as the app, for Node.
 */
import { UsageError } from './args';
import { say, sayErr } from './io';
import { nodesCommand, summaryCommand, validateCommand } from './commands/graph';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; help: string }> = {
  nodes: { run: async () => nodesCommand, help: 'nodes [--json]                          the catalogue: kinds, ports, params with defaults' },
  validate: { run: async () => validateCommand, help: 'validate <graph.json> [--json]          diagnostics' },
  summary: { run: async () => summaryCommand, help: 'summary <graph.json> [--json]           layers, shapes, parameter counts' },
  train: { run: async () => (await import('./commands/train')).trainCommand, help: 'train <graph.json|project.fusionlab> --data <dir|zip> [--epochs --batch-size --lr --seed --optimizer --patience --modality-dropout --out <bundle.zip|project.fusionlab>] [--compare] [--json]' },
  compare: { run: async () => (await import('./commands/compare')).compareCommand, help: 'compare <graph.json> --data <dir|zip> [--seeds N] [--sweep] [--epochs N] [--json]   fused vs each input alone (and every fusion operator) over seeds' },
  evaluate: { run: async () => (await import('./commands/evaluate')).evaluateCommand, help: 'evaluate <bundle.zip|project.fusionlab> --data <dir|zip> [--split test] [--ablate] [--robustness [--noise X]] [--json]' },
  predict: { run: async () => (await import('./commands/predict')).predictCommand, help: 'predict <bundle.zip|project.fusionlab> --input column=value ... [--json]' },
  export: { run: async () => (await import('./commands/export')).exportCommand, help: 'export <graph.json|bundle.zip|project.fusionlab> --target tfjs|keras|pytorch|onnx [--out file.zip|dir|model.onnx] [--json]' },
};

const SUBCOMMANDS: Record<string, Record<string, { run: () => Promise<Command>; help: string }>> = {
  data: {
    demo: { run: async () => (await import('./commands/data')).dataDemoCommand, help: 'demo <dir> [--seed N] [--rows N] [--json]   write the built-in demo dataset as files' },
    inspect: { run: async () => (await import('./commands/data')).dataInspectCommand, help: 'inspect <dir|zip> [--graph g.json] [--json]   rows, columns, classes, problems' },
  },
};

/** The usage text: every command with its options. */
export function usage(): string {
  const lines = ['usage: fusionlab <command> [options]', ''];
  for (const c of Object.values(COMMANDS)) lines.push(`  fusionlab ${c.help}`);
  for (const [group, subs] of Object.entries(SUBCOMMANDS)) for (const c of Object.values(subs)) lines.push(`  fusionlab ${group} ${c.help}`);
  lines.push('', 'A project file (.fusionlab, saved by the app) works wherever a bundle does; train reads its graph and');
  lines.push('settings, and train and evaluate use the dataset it includes when --data is left out.');
  lines.push('', 'Every command takes --json (one JSON object on stdout).');
  return lines.join('\n');
}

/** Run the CLI with arguments (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    say(usage());
    return name ? 0 : 2;
  }
  try {
    const group = SUBCOMMANDS[name];
    if (group) {
      const [sub, ...subRest] = rest;
      const cmd = sub ? group[sub] : undefined;
      if (!cmd) throw new UsageError(`unknown command: fusionlab ${name} ${sub ?? ''}\n\n${usage()}`);
      return await (await cmd.run())(subRest);
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command: ${name}\n\n${usage()}`);
    return await (await cmd.run())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      sayErr(e.message);
      return 2;
    }
    const json = argv.includes('--json');
    const message = e instanceof Error ? e.message : String(e);
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: message }) + '\n');
    sayErr(`fusionlab: ${message}`);
    return 1;
  }
}
