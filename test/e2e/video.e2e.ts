/**
 * The video path and compressed audio, from data to prediction, with no binary fixture: the test
 * records its own dataset in the browser (canvas → captureStream → MediaRecorder as WebM/VP8, an
 * oscillator → MediaStreamAudioDestinationNode → MediaRecorder as WebM/Opus), zips it with a
 * samples.csv, opens the "Audio + video" template, loads the zip in the Data panel (frames decoded
 * by seeking an HTMLVideoElement, audio by decodeAudioData), trains, and predicts uploaded files.
 *
 * Two easy classes: `rightward` (a warm square moving left → right, a low tone) and `leftward`
 * (a cool square moving right → left, a high tone).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { zipSync } from 'fflate';
import { writeCsv } from '../../engine/data';
import { mulberry32 } from '../../engine/data/rng';
import { chainGraph, storageWith } from './fixtures';
import { assert, assertEqual, clickNode, openPanel, predictOnce, RESULTS_DIR, tallDock, test, waitFor } from './lib';

const CLASSES = ['rightward', 'leftward'] as const;
/** Rows per split and class: 12 + 3 + 3 per class, 36 clips in all. */
const PER_CLASS = { train: 12, val: 3, test: 3 } as const;
const CLIP_SECONDS = 0.8;
const W = 64;
const H = 48;
const TEST_QUERY = '?fusionlab-test';

interface Clip {
  id: string;
  label: (typeof CLASSES)[number];
  split: 'train' | 'val' | 'test';
  /** base64 WebM (VP8) and WebM (Opus). */
  video: string;
  audio: string;
  videoType: string;
  audioType: string;
}

interface ClipSpec {
  id: string;
  label: (typeof CLASSES)[number];
  split: 'train' | 'val' | 'test';
  /** 0..1 variations: square size, vertical position, background tint, tone detune. */
  r: [number, number, number, number];
}

function clipSpecs(): ClipSpec[] {
  const rand = mulberry32(7);
  const out: ClipSpec[] = [];
  let n = 0;
  for (const split of ['train', 'val', 'test'] as const)
    for (let k = 0; k < PER_CLASS[split]; k++)
      for (const label of CLASSES) out.push({ id: `clip-${String(++n).padStart(2, '0')}`, label, split, r: [rand(), rand(), rand(), rand()] });
  return out;
}

/**
 * Record the clips in the page, `batch` at a time (recording runs in real time): returns each
 * clip's WebM bytes as base64, or throws with what the browser lacks.
 */
async function recordClips(page: Page, specs: ClipSpec[]): Promise<Clip[]> {
  // tsx (esbuild, keepNames) wraps named inner functions in `__name(...)`, which the page lacks.
  await page.evaluate('globalThis.__name = globalThis.__name || ((f) => f)');
  return page.evaluate(
    async ({ specs, seconds, w, h, batch }) => {
      const videoType = ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
      const audioType = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'].find((t) => MediaRecorder.isTypeSupported(t));
      if (!videoType || !audioType) throw new Error(`MediaRecorder cannot encode here: video ${videoType}, audio ${audioType}`);
      const toBase64 = async (b: Blob) => {
        const bytes = new Uint8Array(await b.arrayBuffer());
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
      const record = (stream: MediaStream, mimeType: string) => {
        const rec = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 400_000, audioBitsPerSecond: 64_000 });
        const chunks: Blob[] = [];
        rec.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
        const done = new Promise<Blob>((resolve, reject) => {
          rec.onstop = () => resolve(new Blob(chunks, { type: mimeType.split(';')[0] }));
          rec.onerror = () => reject(new Error('MediaRecorder failed'));
        });
        return { rec, done };
      };
      const ac = new AudioContext({ sampleRate: 48000 });
      await ac.resume();
      const out: { id: string; label: string; split: string; video: string; audio: string; videoType: string; audioType: string }[] = [];
      for (let b0 = 0; b0 < specs.length; b0 += batch) {
        const group = specs.slice(b0, b0 + batch);
        const jobs = group.map((s) => {
          const canvas = document.createElement('canvas');
          canvas.width = w;
          canvas.height = h;
          document.body.appendChild(canvas);
          const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
          const rightward = s.label === 'rightward';
          const size = Math.round(12 + 6 * s.r[0]);
          const y = Math.round(2 + (h - size - 4) * s.r[1]);
          const bg = Math.round(10 + 30 * s.r[2]);
          const draw = (t: number) => {
            const f = Math.min(1, Math.max(0, t));
            const x = Math.round(2 + (w - size - 4) * (rightward ? f : 1 - f));
            ctx.fillStyle = `rgb(${bg},${bg},${bg + 10})`;
            ctx.fillRect(0, 0, w, h);
            ctx.fillStyle = rightward ? 'rgb(255,200,40)' : 'rgb(40,200,255)';
            ctx.fillRect(x, y, size, size);
          };
          draw(0);
          const v = record(canvas.captureStream(30), videoType);
          const dest = ac.createMediaStreamDestination();
          const osc = ac.createOscillator();
          osc.frequency.value = (rightward ? 330 : 1320) * (1 + 0.04 * (s.r[3] - 0.5));
          const gain = ac.createGain();
          gain.gain.value = 0.4;
          osc.connect(gain).connect(dest);
          const a = record(dest.stream, audioType);
          return { s, canvas, draw, v, a, osc };
        });
        const t0 = performance.now();
        for (const j of jobs) {
          j.osc.start();
          j.v.rec.start();
          j.a.rec.start();
        }
        await new Promise<void>((resolve) => {
          const step = () => {
            const t = (performance.now() - t0) / 1000 / seconds;
            for (const j of jobs) j.draw(t);
            if (t >= 1.05) resolve();
            else requestAnimationFrame(step);
          };
          requestAnimationFrame(step);
        });
        for (const j of jobs) {
          j.v.rec.stop();
          j.a.rec.stop();
          j.osc.stop();
        }
        for (const j of jobs) {
          const [vb, ab] = await Promise.all([j.v.done, j.a.done]);
          j.canvas.remove();
          out.push({ id: j.s.id, label: j.s.label, split: j.s.split, video: await toBase64(vb), audio: await toBase64(ab), videoType, audioType });
        }
      }
      await ac.close();
      return out;
    },
    { specs, seconds: CLIP_SECONDS, w: W, h: H, batch: 12 },
  ) as Promise<Clip[]>;
}

/** samples.csv plus video/<id>.webm and audio/<id>.webm under one folder, as a zip. */
function datasetZip(clips: Clip[]): { zip: Uint8Array; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const rows = clips.map((c) => {
    files.set(`video/${c.id}.webm`, new Uint8Array(Buffer.from(c.video, 'base64')));
    files.set(`audio/${c.id}.webm`, new Uint8Array(Buffer.from(c.audio, 'base64')));
    return [c.id, `video/${c.id}.webm`, `audio/${c.id}.webm`, c.label, c.split];
  });
  const all: Record<string, Uint8Array> = { 'moving-squares/samples.csv': new TextEncoder().encode(writeCsv(['id', 'video', 'audio', 'label', 'split'], rows)) };
  for (const [p, b] of files) all[`moving-squares/${p}`] = b;
  return { zip: zipSync(all), files };
}

async function summaryNumber(page: Page, id: string): Promise<number> {
  return Number(((await page.getByTestId(id).textContent()) ?? '').replace(/,/g, ''));
}

test('video + WebM/Opus audio recorded in the page: load the zip, train, predict uploaded clips', async ({ page, open, screenshot }) => {
  // 1. Record the dataset on a blank page of the same browser (nothing leaves the machine).
  const t0 = Date.now();
  const clips = await recordClips(page, clipSpecs());
  console.log(`  recorded ${clips.length} clips in ${Date.now() - t0} ms (${clips[0].videoType}, ${clips[0].audioType})`);
  const { zip, files } = datasetZip(clips);
  const zipPath = path.join(RESULTS_DIR, 'video-dataset.zip');
  writeFileSync(zipPath, zip);

  // 2. The app, the "Audio + video" template from the picker, the zip in the Data panel.
  await open(TEST_QUERY);
  await page.getByTestId('btn-templates').click();
  await page.getByTestId('template-picker').waitFor();
  await page.getByTestId('template-audio-video').click();
  await waitFor(async () => (await page.getByTestId('node-video').count()) === 1 && (await page.getByTestId('node-attend').count()) === 1, 'the audio + video graph on the canvas');
  // Smaller clips and no batch normalisation, as a user training on a CPU would set them: 4
  // frames of 32×32 cost an eighth of the template's 8 × 64×64; and batch-norm's moving statistics
  // (momentum 0.99) need hundreds of steps, so after the dozen steps here inference would still use
  // near-initial statistics and the validation score would say nothing about the data path.
  if (await page.locator('.dock.is-open').count()) await page.getByLabel('Collapse the panel').click();
  await clickNode(page, 'video');
  for (const [param, value] of [['frames', '4'], ['height', '32'], ['width', '32']]) await page.getByTestId(`param-${param}`).fill(value);
  for (const id of ['video_cnn', 'audio_cnn']) {
    await clickNode(page, id);
    // The checkbox itself is visually hidden behind the switch: click the switch, as a user does.
    await page.locator('label.switch', { has: page.getByTestId('param-batchNorm') }).click();
    await waitFor(async () => !(await page.getByTestId('param-batchNorm').isChecked()), `batch norm off in ${id}`);
  }
  await waitFor(async () => ((await page.getByTestId('node-video').textContent()) ?? '').includes('4×32×32×3'), 'the video input at 4 × 32×32');
  await openPanel(page, 'data');
  await page.getByTestId('data-file-input').setInputFiles(zipPath);
  await waitFor(async () => (await page.getByTestId('dataset-ready').count()) > 0, 'the zip is processed', 120_000);
  const problems = await page.getByTestId('dataset-problem').evaluateAll((els) => els.map((e) => `row ${e.getAttribute('data-row')} ${e.getAttribute('data-code')}: ${e.textContent}`));
  assertEqual(problems, [], 'no problems with the recorded clips');
  assertEqual(await summaryNumber(page, 'dataset-rows'), clips.length, 'rows');
  assertEqual(await summaryNumber(page, 'dataset-loaded'), clips.length, 'every row loads');
  assertEqual(await summaryNumber(page, 'dataset-problem-count'), 0, 'problem count');
  assertEqual(await summaryNumber(page, 'dataset-classes'), 2, 'two classes');
  const ready = (await page.getByTestId('dataset-ready').textContent()) ?? '';
  assert(/video \[4×32×32×3\]/.test(ready) && /audio \[61×40×1\]/.test(ready), `the tensors' shapes: ${ready}`);

  // The frames the model sees: the square moves right in "rightward" clips and left in "leftward"
  // ones (seeking works: the frames differ and are in time order), and the colours are the clips'.
  const motion = await page.evaluate(() => {
    const t = window.__fusionlabTest?.tensors();
    if (!t) return null;
    const [F, Hh, Ww, C] = [4, 32, 32, 3];
    const out: { id: string; label: string; xs: number[]; warm: boolean }[] = [];
    const classes = t.classes.label;
    for (const s of Object.values(t.splits)) {
      const v = s.inputs.video;
      s.ids.forEach((id, n) => {
        const xs: number[] = [];
        let r = 0;
        let b = 0;
        for (let f = 0; f < F; f++) {
          let sx = 0;
          let sw = 0;
          for (let y = 0; y < Hh; y++)
            for (let x = 0; x < Ww; x++) {
              const o = (((n * F + f) * Hh + y) * Ww + x) * C;
              const bright = Math.max(v[o], v[o + 1], v[o + 2]);
              if (bright > 0.6) {
                sx += x;
                sw++;
                r += v[o];
                b += v[o + 2];
              }
            }
          xs.push(sw ? sx / sw : -1);
        }
        // Labels are one-hot rows (K per sample) or class indices (one per sample).
        const lab = s.labels.label;
        const K = lab.length / s.ids.length;
        let c = K > 1 ? 0 : lab[n];
        for (let k = 1; k < K; k++) if (lab[n * K + k] > lab[n * K + c]) c = k;
        out.push({ id, label: classes[c], xs, warm: r > b });
      });
    }
    return out;
  });
  assert(motion && motion.length === clips.length, `frames of every clip in the tensors (${motion?.length})`);
  let ordered = 0;
  for (const m of motion) {
    assert(m.xs.every((x) => x >= 0), `${m.id}: the square is in every frame: ${m.xs.join(', ')}`);
    assert(m.warm === (m.label === 'rightward'), `${m.id}: the square's colour matches ${m.label}`);
    const d = m.xs[m.xs.length - 1] - m.xs[0];
    assert(m.label === 'rightward' ? d > 10 : d < -10, `${m.id} (${m.label}): the square crosses the frame: x ${m.xs.map((x) => x.toFixed(0)).join(' → ')}`);
    if (m.xs.every((x, i) => i === 0 || (m.label === 'rightward' ? x >= m.xs[i - 1] - 1 : x <= m.xs[i - 1] + 1))) ordered++;
  }
  assertEqual(ordered, motion.length, 'frames in time order in every clip');
  console.log(`  ${clips[0].id} (${motion.find((m) => m.id === clips[0].id)?.label}) x per frame: ${motion.find((m) => m.id === clips[0].id)?.xs.map((x) => x.toFixed(0)).join(' → ')}`);

  // The same clip decodes to the same frames every time (seeking waits until the frame at the new
  // time is shown; drawing right after 'seeked' sometimes copied the previous frame).
  const sums: string[][] = [];
  for (const c of clips.slice(0, 12)) {
    const runs: string[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await page.evaluate(([b64, p]) => window.__fusionlabTest?.videoFrameSums(b64, 8, p) ?? null, [c.video, `video/${c.id}.webm`] as const);
      assert(r && r.width === W && r.height === H && r.sums.length === 8, `${c.id} decodes to 8 frames of ${W}×${H}: ${JSON.stringify(r)}`);
      runs.push(r.sums.join(','));
    }
    sums.push(runs);
  }
  const unstable = sums.map((runs, i) => ({ id: clips[i].id, runs })).filter((x) => new Set(x.runs).size > 1);
  assertEqual(unstable, [], 'clips whose frames differ between decodes');
  // A clip recorded while the machine is busy can hold one canvas frame twice (captureStream drops
  // frames under load), so two of the 8 sampled times may show the same picture.
  for (const runs of sums) assert(new Set(runs[0].split(',')).size >= 6, `at least 6 of 8 frames differ (the square moves): ${runs[0]}`);

  // Previews: filmstrips of the decoded frames, and a spectrogram for the WebM/Opus audio.
  await waitFor(async () => (await page.locator('[data-testid="preview-frames"] canvas').count()) >= 8, 'video filmstrips in the previews');
  assert((await page.getByTestId('preview-spectrogram').count()) >= 2, 'spectrograms of the Opus clips');
  await tallDock(page);
  await page.getByTestId('dataset-previews').scrollIntoViewIfNeeded();
  await screenshot('video-data-panel');

  // 3. Train a few epochs.
  await openPanel(page, 'train');
  await page.getByTestId('train-batchSize').fill('8');
  await page.getByTestId('train-epochs').fill('5');
  await page.getByTestId('btn-train').click();
  await waitFor(async () => ['finished', 'early-stopped', 'failed', 'error'].includes((await page.getByTestId('train-status').getAttribute('data-status')) ?? ''), 'training finished', 150_000);
  assert((await page.getByTestId('train-status').getAttribute('data-status')) === 'finished', `training finished: ${await page.getByTestId('train-status').textContent()}`);
  const valText = (await page.getByTestId('metric-val-accuracy').textContent()) ?? '';
  const val = /%/.test(valText) ? Number(valText.replace('%', '')) / 100 : Number(valText);
  console.log(`  val accuracy: ${valText}; ${await page.getByTestId('train-status').textContent()}`);
  assert(val > 0.5, `validation accuracy beats chance (0.5) on easy classes: ${valText}`);
  await screenshot('video-train-panel');

  // 4. Predict. First a sample from the Data panel (its video decoded on the page like an upload).
  await openPanel(page, 'predict');
  await waitFor(async () => (await page.getByTestId('predict-model').getAttribute('data-source')) === 'trained', 'the trained model in the Predict panel', 30_000);
  await page.getByTestId('btn-predict-sample').click();
  await waitFor(() => page.getByTestId('predict-preview-video').isVisible(), 'the sample video in its field');
  const sample = await predictOnce(page);
  const sampleId = /clip-\d+/.exec((await page.getByTestId('predict-sample-note').textContent()) ?? '')?.[0] ?? '';
  const sampleClip = clips.find((c) => c.id === sampleId);
  assert(sampleClip, `the sample note names a clip: ${sampleId}`);
  console.log(`  sample ${sampleId} (${sampleClip.label}): predicted ${sample.predicted} ${JSON.stringify(sample.probs)}`);

  // Then files uploaded by hand: a test clip the model has not trained on.
  const upload = async (c: Clip) => {
    const videoFile = path.join(RESULTS_DIR, `video-${c.id}.webm`);
    const audioFile = path.join(RESULTS_DIR, `audio-${c.id}.webm`);
    writeFileSync(videoFile, files.get(`video/${c.id}.webm`) as Uint8Array);
    writeFileSync(audioFile, files.get(`audio/${c.id}.webm`) as Uint8Array);
    await page.getByTestId('predict-field-video').setInputFiles(videoFile);
    await page.getByTestId('predict-field-audio').setInputFiles(audioFile);
    await waitFor(async () => ((await page.getByTestId('predict-input-video').textContent()) ?? '').includes(`video-${c.id}.webm`), 'the uploaded video in its field');
    await waitFor(async () => ((await page.getByTestId('predict-input-audio').textContent()) ?? '').includes(`audio-${c.id}.webm`), 'the uploaded audio in its field');
    // The uploaded clip plays in the field: the element has decoded its 64×48 picture.
    await waitFor(() => page.getByTestId('predict-preview-video').evaluate((v) => (v as HTMLVideoElement).readyState >= 2 && (v as HTMLVideoElement).videoWidth === 64), 'the uploaded video decoded in its preview');
  };
  const test = clips.find((c) => c.split === 'test' && c.label === 'leftward') as Clip;
  await upload(test);
  const r = await predictOnce(page);
  const classes = Object.keys(r.probs).sort();
  assertEqual(classes, ['leftward', 'rightward'], 'class names');
  const sum = Object.values(r.probs).reduce((a, b) => a + b, 0);
  assert(Math.abs(sum - 1) < 1e-3, `probabilities sum to 1 (${sum})`);
  console.log(`  ${test.id} (${test.label}) uploaded: predicted ${r.predicted} ${JSON.stringify(r.probs)}`);
  assert(r.predicted === test.label, `the uploaded test clip is predicted right (easy classes, validation ${valText}): ${r.predicted} ${JSON.stringify(r.probs)}`);
  await tallDock(page);
  await page.getByTestId('panel-predict').evaluate((el) => el.scrollTo(0, 0));
  await screenshot('video-predict-panel');

  // The sample's own files uploaded by hand give the sample's probabilities.
  await upload(sampleClip);
  const again = await predictOnce(page);
  for (const c of classes) assert(Math.abs(again.probs[c] - sample.probs[c]) < 1e-4, `${sampleId} uploaded vs from the Data panel, ${c}: ${again.probs[c]} vs ${sample.probs[c]}`);
}, { storage: storageWith(chainGraph()) });
