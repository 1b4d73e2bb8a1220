'use client';
/** One param field of the inspector, chosen by the field type read from the zod schema. */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { checkParam, parseNumberInput, type ParamField } from '@/engine/editor/fields';
import type { AnyNodeSpec } from '@/engine/spec';

interface Props {
  spec: AnyNodeSpec;
  field: ParamField;
  value: unknown;
  /** Dataset columns, when a dataset is loaded. */
  columns?: string[];
  /** `key` groups the keystrokes of one focus into one undo step. */
  onChange(value: unknown, key: string): void;
}

function display(field: ParamField, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (field.type === 'number-list' && Array.isArray(v)) return v.join(', ');
  if (field.type === 'json') return JSON.stringify(v);
  return String(v);
}

export default function ParamInput({ spec, field, value, columns, onChange }: Props) {
  const id = useId();
  const focusKey = useRef('');
  const [text, setText] = useState(display(field, value));
  const [err, setErr] = useState<string | null>(null);
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) {
      setText(display(field, value));
      setErr(null);
    }
  }, [value, field]);

  const onFocus = () => {
    focused.current = true;
    focusKey.current = `${spec.kind}:${field.name}:${Math.random().toString(36).slice(2)}`;
  };
  const onBlur = () => {
    focused.current = false;
    setText(display(field, value));
    setErr(null);
  };
  const commit = (v: unknown) => {
    const problem = checkParam(spec, field.name, v);
    setErr(problem);
    if (!problem) onChange(v, focusKey.current || `${field.name}:${Date.now()}`);
  };
  const testId = `param-${field.name}`;
  const describedBy = `${id}-help`;

  let control;
  switch (field.type) {
    case 'number':
      control = (
        <input
          id={id}
          type="number"
          inputMode={field.integer ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.step}
          value={text}
          data-testid={testId}
          aria-describedby={describedBy}
          aria-invalid={!!err}
          onFocus={onFocus}
          onBlur={onBlur}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value.trim() === '' && field.nullable) return commit(null);
            const n = parseNumberInput(e.target.value, field.integer);
            if (Number.isNaN(n)) return setErr('Enter a number.');
            commit(n);
          }}
        />
      );
      break;
    case 'enum':
      control = (
        <select
          id={id}
          value={String(value)}
          data-testid={testId}
          aria-describedby={describedBy}
          onFocus={onFocus}
          onBlur={onBlur}
          onChange={(e) => {
            const opt = field.options.find((o) => String(o) === e.target.value);
            commit(opt);
          }}
        >
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      control = (
        <label className="switch">
          <input id={id} type="checkbox" role="switch" checked={value === true} data-testid={testId} aria-describedby={describedBy} onChange={(e) => commit(e.target.checked)} onFocus={onFocus} onBlur={onBlur} />
          <span className="switch-track" aria-hidden />
          <span className="switch-text">{value === true ? 'on' : 'off'}</span>
        </label>
      );
      break;
    case 'string':
      control = (
        <>
          <input
            id={id}
            type="text"
            value={text}
            list={field.column && columns?.length ? `${id}-cols` : undefined}
            data-testid={testId}
            aria-describedby={describedBy}
            aria-invalid={!!err}
            spellCheck={false}
            onFocus={onFocus}
            onBlur={onBlur}
            onChange={(e) => {
              setText(e.target.value);
              commit(e.target.value);
            }}
          />
          {field.column && columns?.length ? (
            <datalist id={`${id}-cols`}>
              {columns.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          ) : null}
        </>
      );
      break;
    case 'string-list':
      control = <TagList id={id} testId={testId} values={Array.isArray(value) ? value.map(String) : []} suggestions={field.column ? columns : undefined} onChange={(v) => commit(v)} />;
      break;
    case 'number-list':
    case 'json':
      control = (
        <input
          id={id}
          type="text"
          value={text}
          data-testid={testId}
          aria-describedby={describedBy}
          aria-invalid={!!err}
          spellCheck={false}
          onFocus={onFocus}
          onBlur={onBlur}
          onChange={(e) => {
            setText(e.target.value);
            let v: unknown;
            if (field.type === 'number-list') {
              const parts = e.target.value.split(/[,\s]+/).filter(Boolean).map((p) => parseNumberInput(p, field.integer));
              if (parts.some(Number.isNaN)) return setErr('Enter numbers separated by commas.');
              v = parts;
            } else {
              try {
                v = JSON.parse(e.target.value);
              } catch {
                return setErr('Enter valid JSON.');
              }
            }
            commit(v);
          }}
        />
      );
      break;
    default: {
      const _x: never = field;
      return _x;
    }
  }

  return (
    <div className={`field field-${field.type}`}>
      <label htmlFor={id} className="field-label">
        {field.name}
      </label>
      <div className="field-control">{control}</div>
      {err ? (
        <div className="field-error" role="alert">
          {err}
        </div>
      ) : null}
      <div className="field-help" id={describedBy}>
        {field.description}
        {field.type === 'number' && (field.min !== undefined || field.max !== undefined) ? (
          <span className="field-range">
            {' '}
            ({field.min ?? '−∞'} – {field.max ?? '∞'})
          </span>
        ) : null}
      </div>
    </div>
  );
}

function TagList({ id, testId, values, suggestions, onChange }: { id: string; testId: string; values: string[]; suggestions?: string[]; onChange(v: string[]): void }) {
  const [draft, setDraft] = useState('');
  const add = () => {
    const t = draft.trim();
    if (t && !values.includes(t)) onChange([...values, t]);
    setDraft('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      add();
    } else if (e.key === 'Backspace' && draft === '' && values.length) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <div className="taglist" data-testid={testId}>
      {values.map((v) => (
        <span key={v} className="tag">
          {v}
          <button type="button" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
            ×
          </button>
        </span>
      ))}
      <input id={id} value={draft} placeholder="add…" list={suggestions?.length ? `${id}-sugg` : undefined} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} onBlur={add} spellCheck={false} />
      {suggestions?.length ? (
        <datalist id={`${id}-sugg`}>
          {suggestions.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}
