/**
 * Every example graph, for the app's template picker. Each `templates/*.json` file is imported
 * here by hand (bundlers need static imports); `test/editor-templates.test.ts` fails when a file
 * is missing from this list.
 */
import type { Diagnostic } from '../engine/diagnostics';
import { parseGraph, type GraphDoc } from '../engine/graph';
import audioVideo from './audio-video.json';
import avmnistLate from './avmnist-late.json';
import avmnist from './avmnist.json';
import demo from './demo.json';
import imageClassifier from './image-classifier.json';
import imageTextGated from './image-text-gated.json';
import textTabular from './text-tabular.json';

export interface Template {
  /** The file name without `.json`. */
  id: string;
  name: string;
  description: string;
  graph: GraphDoc;
}

/** Templates in picker order, as `[id, JSON]`. */
const FILES: [string, unknown][] = [
  ['demo', demo],
  ['avmnist', avmnist],
  ['avmnist-late', avmnistLate],
  ['image-classifier', imageClassifier],
  ['image-text-gated', imageTextGated],
  ['text-tabular', textTabular],
  ['audio-video', audioVideo],
];

/** Templates whose JSON did not parse (shipped files are tested, so this stays empty). */
export const templateProblems: { id: string; diagnostics: Diagnostic[] }[] = [];

/** Every template that parses. */
export const templates: Template[] = FILES.flatMap(([id, json]) => {
  const r = parseGraph(json);
  if (!r.ok) {
    templateProblems.push({ id, diagnostics: r.diagnostics });
    return [];
  }
  return [{ id, name: r.graph.name, description: r.graph.description, graph: r.graph }];
});

/** The ids of every listed file, valid or not (for the completeness test). */
export const templateFileIds: string[] = FILES.map(([id]) => id);

/** The template a first visit opens: `demo` when there is one, else the first. */
export function defaultTemplate(): Template | undefined {
  return templates.find((t) => t.id === 'demo') ?? templates[0];
}
