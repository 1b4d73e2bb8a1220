/**
 * Record a short clip from the microphone (getUserMedia + MediaRecorder). The clip comes back as
 * the recorder's own bytes (WebM/Ogg/MP4 by browser); the predict store decodes it with
 * decodeAudioData at the model's rate. A refused or missing microphone is a message, not a throw.
 */

export interface Recording {
  bytes: Uint8Array;
  name: string;
  type: string;
}

export interface RecorderHandle {
  /** Stop now and resolve `done`. */
  stop(): void;
  done: Promise<Recording>;
}

/** Start recording; stops by itself after `maxSeconds`. Rejects with a readable message. */
export async function startRecording(maxSeconds: number): Promise<RecorderHandle> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
    throw new Error('This browser cannot record audio here (no microphone API). Upload a file instead.');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new Error('The microphone was not allowed. Allow it in the browser\'s site settings, or upload a recording instead.');
    if (name === 'NotFoundError') throw new Error('No microphone was found. Upload a recording instead.');
    throw new Error(`The microphone could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  const rec = new MediaRecorder(stream);
  const chunks: Blob[] = [];
  rec.ondataavailable = (ev) => {
    if (ev.data.size > 0) chunks.push(ev.data);
  };
  const done = new Promise<Recording>((resolve, reject) => {
    rec.onstop = () => {
      for (const t of stream.getTracks()) t.stop();
      const type = rec.mimeType || chunks[0]?.type || 'audio/webm';
      const ext = /ogg/.test(type) ? 'ogg' : /mp4|aac/.test(type) ? 'm4a' : 'webm';
      new Blob(chunks, { type }).arrayBuffer().then(
        (b) => (b.byteLength ? resolve({ bytes: new Uint8Array(b), name: `recording.${ext}`, type }) : reject(new Error('The recording is empty.'))),
        (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
      );
    };
    rec.onerror = () => {
      for (const t of stream.getTracks()) t.stop();
      reject(new Error('The recording failed.'));
    };
  });
  rec.start();
  const timer = setTimeout(() => rec.state !== 'inactive' && rec.stop(), Math.max(1, maxSeconds) * 1000);
  return {
    stop() {
      clearTimeout(timer);
      if (rec.state !== 'inactive') rec.stop();
    },
    done,
  };
}
