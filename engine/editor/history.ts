/**
 * Undo/redo history of immutable snapshots. A gesture (a drag) updates the present many times
 * but records one step: {@link beginGesture} remembers where it started and {@link endGesture}
 * records that start once, if anything changed.
 */

/** The history of a value of type `T`. */
export interface History<T> {
  readonly past: readonly T[];
  readonly present: T;
  readonly future: readonly T[];
  /** The value when the current gesture began; null outside a gesture. */
  readonly anchor: T | null;
  /** Most steps kept. */
  readonly limit: number;
}

/** A history holding only `present`. */
export function createHistory<T>(present: T, limit = 200): History<T> {
  return { past: [], present, future: [], anchor: null, limit };
}

/**
 * Record `next` as a new step (clears the redo list). The same object as the present is not a
 * step. Inside a gesture the gesture is closed first so that its change stays a step of its own.
 */
export function commit<T>(h: History<T>, next: T): History<T> {
  const base = h.anchor !== null ? endGesture(h) : h;
  if (Object.is(next, base.present)) return base;
  const past = [...base.past, base.present];
  return { ...base, past: past.length > base.limit ? past.slice(past.length - base.limit) : past, present: next, future: [], anchor: null };
}

/** Start a gesture at the current present (a second call inside a gesture keeps the first anchor). */
export function beginGesture<T>(h: History<T>): History<T> {
  return h.anchor !== null ? h : { ...h, anchor: h.present };
}

/** Replace the present inside a gesture without recording a step (outside one this is {@link commit}). */
export function updateGesture<T>(h: History<T>, next: T): History<T> {
  if (h.anchor === null) return commit(h, next);
  return Object.is(next, h.present) ? h : { ...h, present: next };
}

/** End a gesture: one step from its start to the present, or none if nothing changed. */
export function endGesture<T>(h: History<T>): History<T> {
  if (h.anchor === null) return h;
  if (Object.is(h.anchor, h.present)) return { ...h, anchor: null };
  const past = [...h.past, h.anchor];
  return { ...h, past: past.length > h.limit ? past.slice(past.length - h.limit) : past, future: [], anchor: null };
}

/** Step back (an open gesture is ended first, so undo during a drag undoes that drag). */
export function undo<T>(h: History<T>): History<T> {
  const base = endGesture(h);
  if (base.past.length === 0) return base;
  const prev = base.past[base.past.length - 1];
  return { ...base, past: base.past.slice(0, -1), present: prev, future: [base.present, ...base.future] };
}

/** Step forward again. */
export function redo<T>(h: History<T>): History<T> {
  const base = endGesture(h);
  if (base.future.length === 0) return base;
  const [next, ...rest] = base.future;
  return { ...base, past: [...base.past, base.present], present: next, future: rest };
}

export function canUndo<T>(h: History<T>): boolean {
  return h.past.length > 0 || (h.anchor !== null && !Object.is(h.anchor, h.present));
}

export function canRedo<T>(h: History<T>): boolean {
  return h.future.length > 0;
}
