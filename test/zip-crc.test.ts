/**
 * A damaged zip entry (one byte changed in its stored data) is refused with a message naming it,
 * for a bundle, a project file and a dataset zip alike: fflate does not check CRC-32 itself.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { centralDirectoryCrcs, unzipWithinLimits } from '../engine/zip-limits';
import { crc32 } from '../engine/data/png';

const LIMITS = { maxArchiveEntries: 100, maxArchiveExpandedBytes: 1 << 20 };
const all = () => ({ maxBytes: 1 << 20, limitName: 'maxEntryBytes', over: 'refuse' as const });

function archive(level: 0 | 6): Uint8Array {
  const text = new TextEncoder().encode('{"weights": [1, 2, 3, 4, 5, 6, 7, 8]}'.repeat(20));
  return zipSync({ 'model.json': [text, { level }], 'b.txt': [new TextEncoder().encode('hello'), { level: 0 }] });
}

/** Change one byte inside the stored data of the first entry (after its local header). */
function damage(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const nameLen = out[26] | (out[27] << 8);
  const extraLen = out[28] | (out[29] << 8);
  const at = 30 + nameLen + extraLen + 5;
  out[at] ^= 0x01;
  return out;
}

describe('zip entries are checked against their CRC-32', () => {
  it('reads the directory\'s CRCs in order', () => {
    const z = archive(6);
    expect(centralDirectoryCrcs(z)).toEqual([crc32(new TextEncoder().encode('{"weights": [1, 2, 3, 4, 5, 6, 7, 8]}'.repeat(20))), crc32(new TextEncoder().encode('hello'))]);
  });

  it('an intact archive reads; a stored entry with one byte changed is refused by name', () => {
    const z = archive(0);
    expect(unzipWithinLimits(z, 'The bundle', LIMITS, all).ok).toBe(true);
    const r = unzipWithinLimits(damage(z), 'The bundle', LIMITS, all);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/"model\.json" in the bundle is damaged: its CRC-32 does not match/);
  });

  it('a deflated entry with one byte changed is refused too (or fails to inflate): never read as data', () => {
    const r = unzipWithinLimits(damage(archive(6)), 'The project file', LIMITS, all);
    expect(r.ok).toBe(false);
  });

  it('an entry that is not wanted is not checked (nor expanded)', () => {
    const r = unzipWithinLimits(damage(archive(0)), 'The archive', LIMITS, (name) => (name === 'b.txt' ? all() : null));
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.files.keys()]).toEqual(['b.txt']);
  });
});
