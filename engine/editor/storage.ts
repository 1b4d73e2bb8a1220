/**
 * Autosave to browser storage. The storage is passed in (the app gives `window.localStorage`,
 * tests a Map-backed fake), so this module touches no DOM global. What comes back from storage
 * is untrusted (another version, another tab, a user poking at devtools) and goes through
 * {@link parseGraph}.
 */
import { error } from '../diagnostics';
import { parseGraphText, serializeGraph, type GraphDoc, type ParseResult } from '../graph';

/** The subset of the Web Storage API used here. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem?(key: string): void;
}

export const AUTOSAVE_KEY = 'fusionlab.graph';
/** Where an autosave that could not be read is kept, so a failed restore does not lose it. */
export const AUTOSAVE_BAD_KEY = 'fusionlab.graph.unreadable';

/** Save a graph; returns an error message when storage refuses (full, disabled), else null. */
export function saveGraph(store: KeyValueStore, graph: GraphDoc, key = AUTOSAVE_KEY): string | null {
  try {
    store.setItem(key, serializeGraph(graph));
    return null;
  } catch (e) {
    return `Autosave failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Restore the autosaved graph: `null` when nothing was saved (a first visit), else the parse
 * result. An unreadable save is copied to {@link AUTOSAVE_BAD_KEY} before the caller overwrites it.
 */
export function restoreGraph(store: KeyValueStore, key = AUTOSAVE_KEY): ParseResult | null {
  let text: string | null;
  try {
    text = store.getItem(key);
  } catch (e) {
    return { ok: false, diagnostics: [error('doc-schema', `Browser storage could not be read: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  if (text === null) return null;
  const r = parseGraphText(text);
  if (!r.ok) {
    try {
      store.setItem(AUTOSAVE_BAD_KEY, text);
    } catch {
      // Keeping a copy is a courtesy; a full storage must not break the restore.
    }
  }
  return r;
}
