'use client';
/** Renders a node doc through the safe markdown reader: React elements only, no HTML strings. */
import { useMemo, type ReactNode } from 'react';
import { parseMarkdown, type Inline } from '@/engine/editor/markdown';

function renderInline(list: Inline[], key = ''): ReactNode[] {
  return list.map((n, i) => {
    const k = `${key}${i}`;
    switch (n.type) {
      case 'text':
        return n.text;
      case 'strong':
        return <strong key={k}>{renderInline(n.children, k)}</strong>;
      case 'em':
        return <em key={k}>{renderInline(n.children, k)}</em>;
      case 'code':
        return <code key={k}>{n.text}</code>;
      case 'link':
        return (
          <a key={k} href={n.href} target="_blank" rel="noopener noreferrer">
            {renderInline(n.children, k)}
          </a>
        );
      default: {
        const _x: never = n;
        return _x;
      }
    }
  });
}

export default function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className="md">
      {blocks.map((b, i) => {
        switch (b.type) {
          case 'heading': {
            const H = (['h3', 'h4', 'h5', 'h6'] as const)[b.level - 1];
            return <H key={i}>{renderInline(b.children)}</H>;
          }
          case 'paragraph':
            return <p key={i}>{renderInline(b.children)}</p>;
          case 'list': {
            const L = b.ordered ? 'ol' : 'ul';
            return (
              <L key={i}>
                {b.items.map((it, j) => (
                  <li key={j}>{renderInline(it)}</li>
                ))}
              </L>
            );
          }
          case 'code':
            return (
              <pre key={i}>
                <code>{b.text}</code>
              </pre>
            );
          case 'quote':
            return <blockquote key={i}>{renderInline(b.children)}</blockquote>;
          default: {
            const _x: never = b;
            return _x;
          }
        }
      })}
    </div>
  );
}
