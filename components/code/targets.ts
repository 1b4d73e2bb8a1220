/** The export targets the code panel offers, with their tab names and Monaco languages. */
import type { ExportTarget } from '@/engine/spec';

export interface TargetInfo {
  id: ExportTarget;
  /** Tab label. */
  title: string;
  /** Monaco language id of the main file. */
  language: 'typescript' | 'python';
}

export const TARGETS: readonly TargetInfo[] = [
  { id: 'tfjs', title: 'TypeScript (tfjs)', language: 'typescript' },
  { id: 'keras', title: 'Python (Keras 3)', language: 'python' },
  { id: 'pytorch', title: 'Python (PyTorch)', language: 'python' },
];

/** A file-name-safe slug of a graph name. */
export function fileSlug(name: string): string {
  return (name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'model').slice(0, 60);
}
