'use client';
/**
 * The columns of the loaded dataset, for the inspector's column pickers. A provider may set them;
 * without one they come from the Data panel's store (components/data/datasetStore.ts); with no
 * dataset loaded, column params are plain text fields.
 */
import { createContext, useContext } from 'react';
import { useLoadedColumns } from './data/datasetStore';

export const DatasetColumnsContext = createContext<string[] | undefined>(undefined);

export function useDatasetColumns(): string[] | undefined {
  const provided = useContext(DatasetColumnsContext);
  const loaded = useLoadedColumns();
  return provided ?? loaded;
}
