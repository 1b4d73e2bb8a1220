'use client';
/**
 * A read-only Monaco view of one exported file, with the lines of the selected node highlighted
 * and scrolled into view. Loaded with next/dynamic (client only) so Monaco stays out of the
 * first page load.
 */
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import type { LineRange } from '@/engine/export';
import { loadMonaco, type Monaco } from './monaco';

type CodeEditor = Parameters<OnMount>[0];

export interface CodeViewProps {
  /** Model path (one Monaco model per target keeps each tab's scroll position). */
  path: string;
  language: 'typescript' | 'python';
  value: string;
  /** Lines to highlight (the selected node's). */
  ranges: LineRange[];
  /** Changes when the highlight should be scrolled into view again (selection or tab change). */
  revealKey: string;
}

const THEME = 'fusionlab-dark';
const MONO = "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace";

function defineTheme(monaco: Monaco): void {
  monaco.editor.defineTheme(THEME, {
    base: 'vs-dark',
    inherit: true,
    rules: [{ token: 'comment', foreground: '7f8aa3', fontStyle: 'italic' }],
    colors: {
      'editor.background': '#12161e',
      'editor.lineHighlightBackground': '#00000000',
      'editorLineNumber.foreground': '#4b5567',
      'editorGutter.background': '#12161e',
      'editor.selectionBackground': '#3a4a8a',
      'scrollbarSlider.background': '#34405580',
    },
  });
}

export default function CodeView({ path, language, value, ranges, revealKey }: CodeViewProps) {
  const [monaco, setMonaco] = useState<Monaco | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const editorRef = useRef<CodeEditor | null>(null);
  const decorations = useRef<ReturnType<CodeEditor['createDecorationsCollection']> | null>(null);
  const [mounted, setMounted] = useState(0);
  const lastReveal = useRef('');

  useEffect(() => {
    let live = true;
    loadMonaco().then(
      (m) => {
        if (!live) return;
        defineTheme(m);
        setMonaco(m);
      },
      (e: unknown) => live && setFailed(String(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  // Highlight the node's lines; scroll to them when the selection or the tab changed.
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !monaco) return;
    const model = editor.getModel();
    if (!model) return;
    const max = model.getLineCount();
    const valid = ranges.filter((r) => r.start >= 1 && r.start <= max).map((r) => ({ start: r.start, end: Math.min(r.end, max) }));
    const decos = valid.map((r) => ({
      range: new monaco.Range(r.start, 1, r.end, 1),
      options: {
        isWholeLine: true,
        className: 'code-hl-line',
        linesDecorationsClassName: 'code-hl-gutter',
        overviewRuler: { color: '#7c93ff', position: monaco.editor.OverviewRulerLane.Full },
      },
    }));
    if (!decorations.current) decorations.current = editor.createDecorationsCollection(decos);
    else decorations.current.set(decos);
    const key = `${path}|${revealKey}`;
    if (valid.length && key !== lastReveal.current) {
      const first = valid[0];
      const last = valid[valid.length - 1];
      // A node's lines usually fit on screen: show them all, else start at the first.
      editor.revealLinesInCenterIfOutsideViewport(first.start, last.end <= first.start + 30 ? last.end : first.start);
    }
    lastReveal.current = valid.length ? key : '';
  }, [monaco, ranges, revealKey, path, value, mounted]);

  if (failed) return <div className="code-message is-error">The code viewer could not load: {failed}</div>;
  if (!monaco) return <div className="code-message">Loading the code viewer…</div>;
  return (
    <Editor
      path={path}
      language={language}
      value={value}
      theme={THEME}
      loading={<div className="code-message">Loading the code viewer…</div>}
      options={{
        readOnly: true,
        domReadOnly: true,
        fontFamily: MONO,
        fontSize: 12.5,
        lineHeight: 19,
        minimap: { enabled: true, renderCharacters: false, scale: 1 },
        scrollBeyondLastLine: false,
        renderLineHighlight: 'none',
        smoothScrolling: true,
        wordWrap: 'off',
        tabSize: language === 'python' ? 4 : 2,
        padding: { top: 8, bottom: 8 },
        contextmenu: true,
        folding: true,
        fixedOverflowWidgets: true,
        ariaLabel: 'Exported code (read-only)',
      }}
      onMount={(editor) => {
        editorRef.current = editor;
        decorations.current = null;
        setMounted((n) => n + 1);
      }}
    />
  );
}
