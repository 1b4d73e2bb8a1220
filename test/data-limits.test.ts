/**
 * Issue 13 (data part): untrusted datasets never hang, exhaust memory, truncate silently or escape
 * their folder. Every fixture is generated here; each problem is asserted by its code and message.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { featuriseAudioRaw } from '../engine/data/audio';
import { textData } from '../engine/data/inputs/text';
import { openDataset } from '../engine/data/layout';
import { loadDataset } from '../engine/data/loader';
import { writeCsv } from '../engine/data/manifest';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { directorySource } from '../engine/data/node-source';
import { encodePng } from '../engine/data/png';
import { DEFAULT_LIMITS } from '../engine/data/problems';
import { memorySource, zipSource } from '../engine/data/source';
import { fitTabular } from '../engine/data/tabular';
import { MAX_TOKENS_PER_CELL, tokenize } from '../engine/data/text';
import { clipWav, decodeWavAt, framesForOutput, readWavInfo, wavStats } from '../engine/data/wav';
import type { PlatformAdapter } from '../engine/data/adapter';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';

const enc = (s: string) => new TextEncoder().encode(s);

/** A PCM WAV of `frames` frames (a deterministic tone plus noise), any rate, channels and width. */
function wav(rate: number, frames: number, channels = 1, bits = 16): Uint8Array {
  const bps = bits / 8;
  const data = new Uint8Array(frames * channels * bps);
  const dv = new DataView(data.buffer);
  let seed = 7;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const v = 0.5 * Math.sin(i * 0.05 * (c + 1)) + 0.2 * (seed / 0x7fffffff - 0.5);
      const o = (i * channels + c) * bps;
      if (bits === 16) dv.setInt16(o, Math.round(v * 32767), true);
      else data[o] = Math.round(v * 127 + 128);
    }
  }
  return wavWithHeader(rate, channels, bits, data);
}

function wavWithHeader(rate: number, channels: number, bits: number, data: Uint8Array, declaredData = data.length): Uint8Array {
  const out = new Uint8Array(44 + data.length);
  const v = new DataView(out.buffer);
  const put = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + data.length, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * (bits / 8), true);
  v.setUint16(32, channels * (bits / 8), true);
  v.setUint16(34, bits, true);
  put(36, 'data');
  v.setUint32(40, declaredData, true);
  out.set(data, 44);
  return out;
}

const audioGraph = (params: Record<string, unknown>) =>
  graph(
    [
      ['audio', 'input.audio', { column: 'audio', sampleRate: 8000, clipSeconds: 0.25, standardise: false, ...params }],
      ['cnn', 'encoder.audio-cnn', { blocks: 1, filters: 4 }],
      ['label', 'head.classify', { column: 'label', classes: 2 }],
    ],
    ['audio.out->cnn.in', 'cnn.out->label.in'],
  );

/** The Node adapter, recording what each decodeAudio call was given and returned. */
function countingAdapter(): { adapter: PlatformAdapter; calls: { bytes: number; samples: number }[] } {
  const base = createNodeAdapter();
  const calls: { bytes: number; samples: number }[] = [];
  return {
    calls,
    adapter: {
      ...base,
      decodeAudio: async (bytes, rate, p) => {
        const s = await base.decodeAudio(bytes, rate, p);
        calls.push({ bytes: bytes.length, samples: s.length });
        return s;
      },
    },
  };
}

describe('WAV sample rates and header sizes', () => {
  it('a WAV declaring 1 Hz or 8 Hz is a row problem naming the file, the rate and the range; nothing is resampled', async () => {
    const files = new Map<string, Uint8Array>([
      ['one.wav', wav(1, 500)], // 1 KB: at 8 kHz this was 4 M output samples of a 33-tap kernel
      ['eight.wav', wav(8, 500)],
      ['ok.wav', wav(8000, 2000)],
      ['ok2.wav', wav(8000, 2000)],
      ['samples.csv', enc('id,audio,label,split\n1,one.wav,a,train\n2,eight.wav,b,train\n3,ok.wav,a,train\n4,ok2.wav,b,train\n')],
    ]);
    const before = wavStats.samplesResampled;
    const ds = await loadDataset(memorySource('rates', files), { graph: audioGraph({}), registry, adapter: createNodeAdapter() });
    expect(ds.ok).toBe(true);
    const bad = ds.problems.filter((p) => p.column === 'audio');
    expect(bad.map((p) => [p.code, p.row])).toEqual([
      ['undecodable', 1],
      ['undecodable', 2],
    ]);
    expect(bad[0].message).toBe('Row 1: one.wav could not be decoded as audio: the WAV sample rate 1 Hz is outside the supported range 1,000–384,000 Hz');
    expect(bad[1].message).toMatch(/^Row 2: eight\.wav could not be decoded as audio: the WAV sample rate 8 Hz is outside the supported range 1,000–384,000 Hz$/);
    expect(ds.summary.loaded).toBe(2);
    expect(wavStats.samplesResampled - before).toBe(0); // the good rows are at 8 kHz already
  });

  it('a long WAV: only the frames the clip reads are decoded and resampled, and the clip equals the whole file cut', async () => {
    const rate = 44100;
    const long = wav(rate, rate * 30, 2); // 30 s of stereo (5.3 MB); the clip is 0.25 s at 8 kHz
    const files = new Map<string, Uint8Array>([
      ['long.wav', long],
      ['short.wav', wav(8000, 1000)],
      ['samples.csv', enc('id,audio,label\n1,long.wav,a\n2,short.wav,b\n')],
    ]);
    const { adapter, calls } = countingAdapter();
    const before = wavStats.samplesResampled;
    const framesBefore = wavStats.framesDecoded;
    const params = { representation: 'logmel', melBins: 16, frameLength: 256, hop: 128, window: 'hann', standardise: false } as const;
    const ds = await loadDataset(memorySource('long', files), { graph: audioGraph(params), registry, adapter, split: { valFraction: 0 } });
    expect(ds.problems).toEqual([]);
    const clip = 2000; // 0.25 s at 8 kHz
    // The adapter was handed the clip's frames (0.25 s of 44.1 kHz plus the kernel's reach), not 30 s.
    const maxFrames = Math.ceil((clip * rate) / 8000) + Math.ceil((16 * rate) / 8000) + 2;
    expect(calls[0].bytes).toBeLessThanOrEqual(44 + maxFrames * 4 + 8);
    // What comes back is the clip plus the few samples past it that the kernel's reach gives (cut
    // by featurisation): the work is the clip's, not the 30 s file's (240,000 samples at 8 kHz).
    expect(calls[0].samples).toBeGreaterThanOrEqual(clip);
    expect(calls[0].samples).toBeLessThanOrEqual(clip + 16);
    expect(wavStats.samplesResampled - before).toBe(calls[0].samples);
    expect(wavStats.framesDecoded - framesBefore).toBeLessThanOrEqual(maxFrames + 1000); // + the short file's 1,000
    // Same tensor as decoding and resampling the whole file, then cutting.
    const whole = featuriseAudioRaw(decodeWavAt(long, 8000), { sampleRate: 8000, clipSeconds: 0.25, ...params });
    const row = ds.splits.train.ids.indexOf('1');
    const size = whole.length;
    expect(Array.from(ds.splits.train.inputs.audio.subarray(row * size, (row + 1) * size))).toEqual(Array.from(whole));
  });

  it('decodeWavAt with a clip gives the first samples of the whole decode, at every rate pair', () => {
    for (const [from, to] of [
      [44100, 8000],
      [8000, 22050],
      [1000, 96000],
      [384000, 1000],
      [16000, 16000],
    ]) {
      const bytes = wav(from, Math.round(from * 0.4));
      const n = Math.round(to * 0.1);
      const whole = decodeWavAt(bytes, to).subarray(0, n);
      const before = { ...wavStats };
      const clip = decodeWavAt(bytes, to, n);
      expect(Array.from(clip)).toEqual(Array.from(whole));
      // Only the frames the clip's kernel reaches were decoded, and only the clip was resampled.
      expect(wavStats.framesDecoded - before.framesDecoded).toBe(framesForOutput(n, from, to));
      expect(wavStats.framesDecoded - before.framesDecoded).toBeLessThan(Math.round(from * 0.4));
      expect(wavStats.samplesResampled - before.samplesResampled).toBe(from === to ? 0 : n);
      expect(Array.from(decodeWavAt(clipWav(bytes, to, n), to).subarray(0, n))).toEqual(Array.from(whole));
    }
  });

  it('declared channels, bits and data sizes are checked against the bytes there', () => {
    expect(() => readWavInfo(wavWithHeader(8000, 64, 16, new Uint8Array(100)))).toThrow('the WAV data chunk holds 100 bytes, less than one frame (64 channels of 16 bits)');
    expect(() => readWavInfo(wavWithHeader(8000, 200, 16, new Uint8Array(1000)))).toThrow('WAV declares 200 channels; 1 to 64 are supported');
    expect(() => readWavInfo(wavWithHeader(8000, 1, 16, new Uint8Array(100), 0x7fffff00))).toThrow(/truncated WAV: the data chunk declares 2147483392 bytes but the file holds 100/);
    expect(() => readWavInfo(wavWithHeader(8000, 1, 12, new Uint8Array(100)))).toThrow(/unsupported WAV encoding \(format 1, 12 bits\)/);
    expect(() => readWavInfo(wavWithHeader(400_000, 1, 16, new Uint8Array(100)))).toThrow('the WAV sample rate 400000 Hz is outside the supported range 1,000–384,000 Hz');
    const info = readWavInfo(wav(1000, 10, 2));
    expect([info.frames, info.seconds, info.channels]).toEqual([10, 0.01, 2]);
  });
});

describe('symbolic links in a folder dataset', () => {
  let tmp: string;
  let data: string;
  const png = encodePng(4, 4, 1, new Uint8Array(16).fill(128));
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'fusionlab-links-'));
    const outside = path.join(tmp, 'outside');
    data = path.join(tmp, 'data');
    await mkdir(path.join(outside, 'folder'), { recursive: true });
    await mkdir(path.join(data, 'images'), { recursive: true });
    await writeFile(path.join(outside, 'secret.png'), png);
    await writeFile(path.join(outside, 'folder', 'a.png'), png);
    await writeFile(path.join(data, 'images', 'in.png'), png);
    await writeFile(path.join(data, 'images', 'in2.png'), png);
    await symlink(path.join(data, 'images', 'in.png'), path.join(data, 'images', 'link-in.png')); // stays inside
    await symlink(path.join(outside, 'secret.png'), path.join(data, 'images', 'x.png')); // a file outside
    await symlink(path.join(outside, 'folder'), path.join(data, 'ext')); // a folder outside
    await symlink('../images', path.join(data, 'images', 'loop')); // a folder link inside (and a cycle)
    const rows = [
      ['1', 'images/in.png', 'a'],
      ['2', 'images/link-in.png', 'b'],
      ['3', 'images/x.png', 'a'],
      ['4', 'ext/a.png', 'b'],
      ['5', 'images/in2.png', 'b'],
      ['6', 'images/loop/in.png', 'a'],
    ];
    await writeFile(path.join(data, 'samples.csv'), writeCsv(['id', 'image', 'label'], rows));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('refuses a link to a file outside and a linked folder outside with bad-path naming the link; links inside load', async () => {
    const g = graph(
      [
        ['image', 'input.image', { column: 'image', width: 4, height: 4, channels: 1 }],
        ['mlp', 'encoder.image-mlp', {}],
        ['label', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['image.out->mlp.in', 'mlp.out->label.in'],
    );
    const ds = await loadDataset(directorySource(data), { graph: g, registry, adapter: createNodeAdapter() });
    expect(ds.ok).toBe(true);
    const bad = ds.problems.filter((p) => p.severity === 'error');
    expect(bad.map((p) => [p.code, p.row, p.column])).toEqual([
      ['bad-path', 3, 'image'],
      ['bad-path', 4, 'image'],
    ]);
    expect(bad[0].message).toBe('Row 3: "image" is "images/x.png", which is a symbolic link that leads outside the dataset folder; links must stay inside it.');
    expect(bad[1].message).toBe('Row 4: "image" is "ext/a.png", which goes through the symbolic link "ext" that leads outside the dataset folder; links must stay inside it.');
    expect(ds.summary.loaded).toBe(4);
  });

  it('never reads, sizes or lists through a link out, at read time too', async () => {
    const src = directorySource(data);
    expect(await src.read('images/x.png')).toBeUndefined();
    expect(await src.size('images/x.png')).toBeUndefined();
    expect(await src.read('ext/a.png')).toBeUndefined();
    expect(await src.read('images/../ext/a.png')).toBeUndefined();
    expect(await src.linkOutside?.('images/x.png')).toBe('images/x.png');
    expect(await src.linkOutside?.('ext/a.png')).toBe('ext');
    expect(await src.linkOutside?.('images/in.png')).toBeNull();
    expect(await src.read('images/link-in.png')).toEqual(new Uint8Array(png));
    expect(await src.read('images/loop/in.png')).toEqual(new Uint8Array(png));
    const listed = (await src.list()).sort();
    expect(listed).toEqual(['images/in.png', 'images/in2.png', 'images/link-in.png', 'samples.csv']);
  });

  it('a class-folder dataset does not take a linked class folder from outside', async () => {
    const cls = path.join(tmp, 'classes');
    await mkdir(path.join(cls, 'cat'), { recursive: true });
    await mkdir(path.join(cls, 'bird'), { recursive: true });
    await writeFile(path.join(cls, 'cat', 'a.png'), png);
    await writeFile(path.join(cls, 'bird', 'b.png'), png);
    await symlink(path.join(tmp, 'outside', 'folder'), path.join(cls, 'dog'));
    const opened = await openDataset(directorySource(cls));
    expect(opened.manifest?.rows.map((r) => r.values[0])).toEqual(['bird/b.png', 'cat/a.png']);
  });
});

describe('text cells of any size', () => {
  it('a multi-MB caption keeps MAX_TOKENS_PER_CELL tokens, and the vocabulary counts no more of it', async () => {
    const huge = 'zebra '.repeat(5000) + 'word '.repeat(1_000_000); // 5.0 MB, 1,005,000 tokens
    const ctx = { row: 1, line: 2, limits: DEFAULT_LIMITS } as Parameters<typeof textData.prepare>[2];
    const params = { column: 'text', tokenizer: 'word', vocabSize: 10, seqLength: 32, lowercase: true, tokenDropout: 0 } as const;
    const res = await textData.prepare({ nodeId: 'txt', kind: 'input.text', columns: ['text'], params, shape: [32] }, [huge], ctx);
    expect(res[0].ok).toBe(true);
    const tokens = (res[0] as { ok: true; value: string[] }).value;
    expect(MAX_TOKENS_PER_CELL).toBe(4096);
    expect(tokens.length).toBe(4096);
    expect(new Set(tokens)).toEqual(new Set(['zebra'])); // "word" starts after token 5000: never counted
    // Through the loader: the vocabulary sees the kept tokens only.
    const g = graph(
      [
        ['txt', 'input.text', { column: 'text', vocabSize: 10, seqLength: 8 }],
        ['enc', 'encoder.text-embedding', {}],
        ['label', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['txt.out->enc.in', 'enc.out->label.in'],
    );
    const csv = `id,text,label,split\n1,"${huge}",a,train\n2,a cat,b,train\n3,a dog sat here and then the cat came back,a,train\n`;
    const ds = await loadDataset(memorySource('big-text', { 'samples.csv': enc(csv) }), { graph: g, registry, adapter: createNodeAdapter() });
    expect(ds.ok).toBe(true);
    const f = ds.fitted.inputs.txt;
    if (f.kind !== 'input.text') throw new Error('kind');
    expect(f.vocab.slice(0, 4)).toEqual(['<pad>', '<unk>', 'zebra', 'a']);
    expect(f.vocab).not.toContain('word');
    // Words past seqLength (8) but within the cap still count, as before.
    expect(f.vocab).toContain('back');
  });

  it('the tokenizers stop at the limit they are given; characters of a cell past 1 Mi are not read', () => {
    expect(tokenize('a b c d e', { tokenizer: 'word', lowercase: true }, 3)).toEqual(['a', 'b', 'c']);
    expect(tokenize('abcdef', { tokenizer: 'char', lowercase: true }, 4)).toEqual(['a', 'b', 'c', 'd']);
    const long = 'x'.repeat(1 << 20) + ' tail';
    expect(tokenize(long, { tokenizer: 'word', lowercase: true })).toEqual(['x'.repeat(1 << 20)]);
  });
});

describe('numbers near the double range', () => {
  it('±1e308 in a numeric column: finite statistics and z-scores (no silent zero column)', async () => {
    const g = graph(
      [
        ['tab', 'input.tabular', { columns: ['x', 'y'] }],
        ['mlp', 'encoder.tabular-mlp', {}],
        ['label', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['tab.out->mlp.in', 'mlp.out->label.in'],
    );
    const rows = [
      ['1', '1e308', '1', 'a', 'train'],
      ['2', '1.5e308', '2', 'b', 'train'],
      ['3', '-1e308', '3', 'a', 'train'],
      ['4', '1', '4', 'b', 'train'],
      ['5', '1.7e308', '5', 'a', 'val'],
    ];
    const ds = await loadDataset(memorySource('huge', { 'samples.csv': enc(writeCsv(['id', 'x', 'y', 'label', 'split'], rows)) }), { graph: g, registry, adapter: createNodeAdapter() });
    expect(ds.ok).toBe(true);
    expect(ds.problems).toEqual([]);
    const f = ds.fitted.inputs.tab;
    if (f.kind !== 'input.tabular') throw new Error('kind');
    expect(f.fitted.means[0]).toBeCloseTo(0.375e308 + 0.25, -300);
    expect(Number.isFinite(f.fitted.stds[0])).toBe(true);
    expect(f.fitted.means[1]).toBe(2.5); // an ordinary column: exactly as before
    const x = Array.from({ length: 4 }, (_, i) => ds.splits.train.inputs.tab[i * 2]);
    expect(x.every(Number.isFinite)).toBe(true);
    expect(x[1]).toBeGreaterThan(x[0]);
    expect(x[0]).toBeGreaterThan(x[3]);
    expect(x[3]).toBeGreaterThan(x[2]);
    // Population z-scores of the column: Σz = 0, Σz² = n.
    expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
    expect(x.reduce((a, b) => a + b * b, 0)).toBeCloseTo(4, 4);
    // A val value whose difference from the mean overflows still standardises.
    expect(Number.isFinite(ds.splits.val.inputs.tab[0])).toBe(true);
    // The scaled statistics agree with the plain ones where both are finite.
    const plain = fitTabular([{ numbers: [1e300], categories: [] }, { numbers: [3e300], categories: [] }], { columns: ['x'], categorical: [], standardise: true });
    expect(plain.fitted.means[0]).toBeCloseTo(2e300, -290);
  });

  it('unstandardised, a value beyond float32 is a row problem rather than Infinity in the tensor', async () => {
    const g = graph(
      [
        ['tab', 'input.tabular', { columns: ['x'], standardise: false }],
        ['mlp', 'encoder.tabular-mlp', {}],
        ['label', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['tab.out->mlp.in', 'mlp.out->label.in'],
    );
    const csv = 'id,x,label,split\n1,1e308,a,train\n2,1,b,train\n3,2,a,train\n';
    const ds = await loadDataset(memorySource('raw', { 'samples.csv': enc(csv) }), { graph: g, registry, adapter: createNodeAdapter() });
    const bad = ds.problems.filter((p) => p.column === 'x');
    expect(bad.map((p) => [p.code, p.row, p.severity])).toEqual([['wrong-type', 1, 'error']]);
    expect(bad[0].message).toBe('Row 1: "x" is 1e308, beyond what a 32-bit float holds (±3.4e38) without standardising; turn standardise on or rescale the column.');
  });
});

describe('manifest encodings', () => {
  const text = 'id,légende,label\n1,café crème,€\n';
  const open = (bytes: Uint8Array) => openDataset(memorySource('enc', { 'samples.csv': bytes }));

  it('a Latin-1 (windows-1252) table is read as such, with a warning saying so', async () => {
    const latin = Uint8Array.from(text, (c) => (c === '€' ? 0x80 : c.charCodeAt(0)));
    const o = await open(latin);
    expect(o.manifest?.columns).toEqual(['id', 'légende', 'label']);
    expect(o.manifest?.rows[0].values).toEqual(['1', 'café crème', '€']);
    expect(o.problems.map((p) => [p.code, p.severity])).toEqual([['bad-encoding', 'warning']]);
    expect(o.problems[0].message).toBe('samples.csv is not UTF-8 text; it was read as Latin-1 (windows-1252). If accented letters look wrong, save it as UTF-8 (CSV UTF-8 in Excel).');
  });

  it('UTF-16 LE and BE with a byte-order mark decode properly; a UTF-8 BOM is dropped', async () => {
    const units = Array.from(text, (c) => c.charCodeAt(0));
    const le = new Uint8Array(2 + units.length * 2);
    const be = new Uint8Array(2 + units.length * 2);
    le.set([0xff, 0xfe]);
    be.set([0xfe, 0xff]);
    units.forEach((u, i) => {
      le.set([u & 255, u >> 8], 2 + 2 * i);
      be.set([u >> 8, u & 255], 2 + 2 * i);
    });
    for (const bytes of [le, be, Uint8Array.from([0xef, 0xbb, 0xbf, ...enc(text)])]) {
      const o = await open(bytes);
      expect(o.problems).toEqual([]);
      expect(o.manifest?.columns).toEqual(['id', 'légende', 'label']);
      expect(o.manifest?.rows[0].values).toEqual(['1', 'café crème', '€']);
    }
  });

  it('NULs in the header (UTF-16 without a BOM) are an error that stops the load', async () => {
    const units = Array.from(text, (c) => c.charCodeAt(0));
    const bare = new Uint8Array(units.length * 2);
    units.forEach((u, i) => bare.set([u & 255, u >> 8], 2 * i));
    const o = await open(bare);
    expect(o.manifest).toBeNull();
    expect(o.problems.map((p) => [p.code, p.severity])).toEqual([['bad-encoding', 'error']]);
    expect(o.problems[0].message).toMatch(/^The header of samples\.csv holds NUL characters, so its column names cannot be read: the file is probably UTF-16 without a byte-order mark/);
  });
});

describe('dataset zips', () => {
  it('stop reading a directory past maxArchiveEntries, and leave out an entry over its limit, naming both', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10; i++) files[`images/${i}.png`] = new Uint8Array(4);
    const many = zipSource('many.zip', zipSync(files), { maxArchiveEntries: 3 });
    expect(many.source).toBeNull();
    expect(many.problems[0]).toMatchObject({ code: 'archive-too-large' });
    expect(many.problems[0].message).toBe('The archive holds 10 files, over the limit maxArchiveEntries = 3.');
    const big = zipSource('big.zip', zipSync({ 'samples.csv': new TextEncoder().encode('image,label\nimages/a.png,x\n'), 'images/a.png': new Uint8Array(5000) }), { maxFileBytes: 1000, maxManifestBytes: 1000 });
    expect(big.source).not.toBeNull();
    expect(big.problems.map((p) => p.message)).toEqual(['"images/a.png" in the archive is over the limit maxFileBytes = 1000 B; it was not expanded.']);
  });
});
