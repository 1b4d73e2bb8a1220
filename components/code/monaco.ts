/**
 * Monaco, bundled with the app (no CDN, works offline). The editor API and the two languages the
 * code panel shows (TypeScript and Python, Monarch highlighting only) are imported on the client
 * on first use, the editor worker is emitted by the bundler into the app's own origin, and
 * `@monaco-editor/react`'s loader is pointed at this instance so it never fetches Monaco itself.
 */
import { loader } from '@monaco-editor/react';

/** The Monaco namespace (the ESM editor API). */
export type Monaco = typeof import('monaco-editor/editor/editor.api.js');

let pending: Promise<Monaco> | null = null;

/** Load Monaco once (client only); later calls share the same promise. */
export function loadMonaco(): Promise<Monaco> {
  if (typeof window === 'undefined') return Promise.reject(new Error('Monaco loads in the browser only'));
  if (!pending) {
    pending = (async () => {
      // Monaco asks this for a worker by label; a read-only viewer with Monarch highlighting
      // needs only the generic editor worker (diffs, links, word ranges).
      (self as unknown as { MonacoEnvironment: { getWorker(id: string, label: string): Worker } }).MonacoEnvironment = {
        getWorker: () => new Worker(new URL('monaco-editor/editor/editor.worker.js', import.meta.url), { type: 'module', name: 'monaco-editor-worker' }),
      };
      const monaco = await import('monaco-editor/editor/editor.api.js');
      await Promise.all([
        import('monaco-editor/languages/definitions/typescript/register.js'),
        import('monaco-editor/languages/definitions/python/register.js'),
      ]);
      loader.config({ monaco });
      return monaco;
    })();
    pending.catch(() => {
      pending = null; // let a later attempt retry
    });
  }
  return pending;
}
