/**
 * The training worker: runs a {@link createSession} session off the main thread so that the
 * canvas stays responsive. tfjs, the WASM backend (served from the app's origin) and the
 * training kernels live here; see session.ts for the work and protocol.ts for the messages.
 */
import type { FromWorker, ToWorker } from './protocol';
import { createSession } from './session';

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const handle = createSession((m, transfer) => scope.postMessage(m, transfer ?? []), { mainThread: false });

scope.onmessage = (e) => {
  void handle(e.data);
};
