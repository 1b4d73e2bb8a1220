'use client';
/**
 * The columns of the loaded dataset, for the inspector's column pickers. The data panel (a later
 * issue) provides it; without a provider, column params are plain text fields.
 */
import { createContext, useContext } from 'react';

export const DatasetColumnsContext = createContext<string[] | undefined>(undefined);

export function useDatasetColumns(): string[] | undefined {
  return useContext(DatasetColumnsContext);
}
