'use client';
/**
 * The per-node parameter counts, beside React Flow rather than inside its nodes: the counting
 * worker answers after the canvas is drawn, and putting the counts into each node's `data` made
 * React Flow adopt and re-render every node again (≈ 250 ms on a fitted 300-node view). Here a
 * node subscribes to its own count, so an answer re-renders only the full-size nodes whose
 * count changed.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';

/** Holds the newest counts and tells each subscribed node when they change. */
export class NodeCountStore {
  private counts: Readonly<Record<string, number>> | null = null;
  private readonly listeners = new Set<() => void>();

  /** Replace the counts (null while nothing is known) and notify the nodes. */
  set(counts: Readonly<Record<string, number>> | null): void {
    if (counts === this.counts) return;
    this.counts = counts;
    for (const l of this.listeners) l();
  }

  /** One node's count, or null when it is not known. */
  get(id: string): number | null {
    return this.counts?.[id] ?? null;
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The canvas's store; a default empty store outside a canvas (a node drawn on its own). */
export const NodeCountContext = createContext<NodeCountStore>(new NodeCountStore());

/** The parameter count of node `id`, re-rendering only when that number changes. */
export function useNodeParamCount(id: string): number | null {
  const store = useContext(NodeCountContext);
  return useSyncExternalStore(store.subscribe, () => store.get(id), () => null);
}
