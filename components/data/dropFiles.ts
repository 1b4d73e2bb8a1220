/**
 * Turning what the user picked or dropped into a dataset input: a folder (input webkitdirectory or
 * a dropped directory, read through FileSystemEntry), loose files, or a single .zip. Main thread
 * only; no DOM access at import time.
 */
import type { DatasetInput } from './protocol';

/** Most files read from a dropped folder (the loader's own limit on archive entries). */
const MAX_FILES = 200_000;

function readEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    // readEntries returns batches (100 in Chromium) until an empty one.
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

function entryFile(e: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => e.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: { path: string; file: File }[]): Promise<void> {
  if (out.length >= MAX_FILES) return;
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) out.push({ path, file: await entryFile(entry as FileSystemFileEntry) });
  else if (entry.isDirectory) for (const e of await readEntries(entry as FileSystemDirectoryEntry)) await walk(e, path, out);
}

/** The files of a list (an `<input type=file>`), with their folder paths when there are any. */
export function inputFromFileList(list: FileList | File[]): DatasetInput | null {
  const files = Array.from(list);
  if (files.length === 0) return null;
  if (files.length === 1 && /\.zip$/i.test(files[0].name)) return { kind: 'zip', name: files[0].name, file: files[0] };
  const withPaths = files.map((f) => ({ path: f.webkitRelativePath || f.name, file: f }));
  const top = withPaths[0].path.includes('/') ? withPaths[0].path.split('/')[0] : '';
  return { kind: 'files', name: top || `${files.length} files`, files: withPaths };
}

/** What was dropped: a folder, several files or a zip. */
export async function inputFromDrop(dt: DataTransfer): Promise<DatasetInput | null> {
  const entries = Array.from(dt.items)
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return inputFromFileList(dt.files);
  if (entries.length === 1 && entries[0].isFile && /\.zip$/i.test(entries[0].name)) {
    const file = await entryFile(entries[0] as FileSystemFileEntry);
    return { kind: 'zip', name: file.name, file };
  }
  const out: { path: string; file: File }[] = [];
  for (const e of entries) await walk(e, '', out);
  if (out.length === 0) return null;
  const name = entries.length === 1 && entries[0].isDirectory ? entries[0].name : `${out.length} dropped files`;
  return { kind: 'files', name, files: out };
}
