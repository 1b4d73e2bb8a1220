import type { AnyNodeSpec } from '../../engine/spec';
import image from './image';
import text from './text';
import audio from './audio';
import tabular from './tabular';
import video from './video';

export const inputNodes: AnyNodeSpec[] = [image, text, audio, tabular, video];
