'use client';
/** One field per input node of the model: file uploads (with previews and recording), text, numbers. */
import { useRef, useState } from 'react';
import { isFileField, type FileField as FileFieldType, type PredictField } from '@/engine/predict';
import { INPUT_DATA } from '@/engine/data/inputs';
import { predictActions, type PredictState } from './predictStore';
import { startRecording, type RecorderHandle } from './recorder';
import styles from './predict.module.css';

const KIND_LABEL: Record<PredictField['kind'], string> = {
  'input.image': 'image',
  'input.text': 'text',
  'input.audio': 'audio',
  'input.tabular': 'numbers',
  'input.video': 'video',
};

function FileField(props: { field: FileFieldType; state: PredictState; disabled: boolean }) {
  const { field, state } = props;
  const column = field.columns[0];
  const value = state.files[column];
  const rec = useRef<RecorderHandle | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const [recording, setRecording] = useState(false);

  async function onRecord() {
    if (rec.current) {
      rec.current.stop();
      return;
    }
    const seconds = field.kind === 'input.audio' ? field.params.clipSeconds : 1;
    try {
      const h = await startRecording(seconds + 0.25);
      rec.current = h;
      setRecording(true);
      const r = await h.done;
      predictActions.setFile(column, field.kind, r.name, r.bytes, r.type);
    } catch (e) {
      predictActions.fail(e instanceof Error ? e.message : String(e));
    } finally {
      rec.current = null;
      setRecording(false);
    }
  }

  return (
    <div className={styles.fileRow}>
      <button type="button" className="btn" disabled={props.disabled} onClick={() => input.current?.click()}>
        {value ? 'Replace…' : `Choose ${field.kind === 'input.image' ? 'an image' : field.kind === 'input.audio' ? 'a recording' : 'a video'}…`}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        accept={INPUT_DATA[field.kind].file?.accept}
        data-testid={`predict-field-${column}`}
        disabled={props.disabled}
        aria-label={`${field.label}: ${column}`}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          void f.arrayBuffer().then((b) => predictActions.setFile(column, field.kind, f.name, new Uint8Array(b), f.type || undefined));
        }}
      />
      {field.kind === 'input.audio' && (
        <button type="button" className="btn" data-testid={`btn-record-${column}`} disabled={props.disabled} onClick={() => void onRecord()} title={`Record up to ${field.params.clipSeconds} s from the microphone`}>
          {recording ? '■ Stop' : '● Record'}
        </button>
      )}
      {value && field.kind === 'input.image' && <img className={styles.thumb} src={value.url} alt={value.name} data-testid={`predict-preview-${column}`} />}
      {value && field.kind === 'input.audio' && <audio className={styles.media} src={value.url} controls data-testid={`predict-preview-${column}`} />}
      {value && field.kind === 'input.video' && <video className={styles.video} src={value.url} controls muted data-testid={`predict-preview-${column}`} />}
      {value && <span className={styles.note}>{value.name}</span>}
    </div>
  );
}

function hint(f: PredictField): string {
  switch (f.kind) {
    case 'input.image':
      return `resized to ${f.params.height}×${f.params.width}, ${f.params.channels === 1 ? 'gray' : 'colour'}`;
    case 'input.text':
      return `${f.params.tokenizer} tokens, first ${f.params.seqLength}`;
    case 'input.audio':
      return `${f.params.clipSeconds} s at ${f.params.sampleRate} Hz${f.params.representation === 'logmel' ? ', log-mel spectrogram' : ''}`;
    case 'input.tabular':
      return f.params.standardise ? 'standardised with the training statistics' : 'as given';
    case 'input.video':
      return `${f.params.frames} frames of ${f.params.height}×${f.params.width}`;
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/** The form: one block per input node. */
export default function PredictFields(props: { fields: PredictField[]; state: PredictState; disabled: boolean }) {
  const { state, disabled } = props;
  return (
    <>
      {props.fields.map((f) => (
        <div key={f.nodeId} className={styles.field} data-testid={`predict-input-${f.nodeId}`}>
          <div className={styles.fieldHead}>
            <b>{f.label}</b>
            <span className={styles.kind}>{KIND_LABEL[f.kind]}</span>
            <span>{hint(f)}</span>
          </div>
          {f.kind === 'input.text' && (
            <textarea
              data-testid={`predict-field-${f.columns[0]}`}
              aria-label={`${f.label}: ${f.columns[0]}`}
              placeholder={`Type the ${f.columns[0]}…`}
              value={state.cells[f.columns[0]] ?? ''}
              disabled={disabled}
              onChange={(e) => predictActions.setCell(f.columns[0], e.target.value)}
            />
          )}
          {f.kind === 'input.tabular' && (
            <div className={styles.cols}>
              {f.params.columns.map((c) => (
                <label key={c}>
                  {c}
                  <input type="number" step="any" data-testid={`predict-field-${c}`} value={state.cells[c] ?? ''} disabled={disabled} onChange={(e) => predictActions.setCell(c, e.target.value)} />
                </label>
              ))}
              {f.params.categorical.map((c, j) => (
                <label key={c.column}>
                  {c.column}
                  <input type="text" list={`predict-cats-${f.nodeId}-${j}`} data-testid={`predict-field-${c.column}`} value={state.cells[c.column] ?? ''} disabled={disabled} onChange={(e) => predictActions.setCell(c.column, e.target.value)} />
                  <datalist id={`predict-cats-${f.nodeId}-${j}`}>
                    {(f.categories[j] ?? []).map((k) => (
                      <option key={k} value={k} />
                    ))}
                  </datalist>
                </label>
              ))}
            </div>
          )}
          {isFileField(f) && <FileField field={f} state={state} disabled={disabled} />}
        </div>
      ))}
    </>
  );
}
