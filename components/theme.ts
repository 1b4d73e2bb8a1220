/** Colours shared by the canvas, palette and minimap (CSS holds the rest of the theme). */
import type { NodeCategory, TensorKind } from '@/engine/spec';

export const KIND_COLORS: Record<TensorKind, string> = {
  image: '#fbbf24',
  audio: '#4ade80',
  tokens: '#a78bfa',
  tabular: '#38bdf8',
  video: '#fb7185',
  sequence: '#e879f9',
  features: '#60a5fa',
  prediction: '#2dd4bf',
};

export const NEUTRAL_PORT = '#8b93a7';

export function kindColor(kind: TensorKind | null | undefined): string {
  return kind ? KIND_COLORS[kind] : NEUTRAL_PORT;
}

export const CATEGORY_COLORS: Record<NodeCategory | 'unknown', string> = {
  input: '#38bdf8',
  encoder: '#8b7cf6',
  fusion: '#f59e0b',
  late: '#ec4899',
  head: '#10b981',
  unknown: '#6b7280',
};

export const CATEGORY_NAMES: Record<NodeCategory | 'unknown', string> = {
  input: 'Inputs',
  encoder: 'Encoders',
  fusion: 'Fusion',
  late: 'Model-level fusion',
  head: 'Heads',
  unknown: 'Unknown',
};

/** `1234567` → `1.23M`. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 2 : n < 1e5 ? 1 : 0)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}B`;
}

/** Join class names, skipping falsy ones. */
export function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
