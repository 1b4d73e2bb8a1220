/** Browser downloads (code panel, train panel): bytes, one text file, or files as a zip. */
import { strToU8, zipSync } from 'fflate';

/** Save a blob as a file through a temporary link. */
export function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download one text file. */
export function downloadText(name: string, text: string): void {
  save(new Blob([text], { type: 'text/plain;charset=utf-8' }), name);
}

/** Download `files` (path → text) as `<folder>.zip`, every file under `<folder>/`. */
export function downloadZip(folder: string, files: Record<string, string>): void {
  const entries: Record<string, Uint8Array> = {};
  for (const [p, text] of Object.entries(files)) entries[`${folder}/${p}`] = strToU8(text);
  save(new Blob([zipSync(entries) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `${folder}.zip`);
}
