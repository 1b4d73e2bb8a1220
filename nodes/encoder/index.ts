import type { AnyNodeSpec } from '../../engine/spec';
import audioCnn from './audio-cnn';
import audioCnn1d from './audio-cnn1d';
import dense from './dense';
import imageCnn from './image-cnn';
import imageMlp from './image-mlp';
import pretrained from './pretrained';
import tabularMlp from './tabular-mlp';
import textCnn from './text-cnn';
import textEmbedding from './text-embedding';
import textRnn from './text-rnn';
import textTransformer from './text-transformer';
import videoCnn from './video-cnn';

/** Every encoder kind, in palette order. */
export const encoderNodes: AnyNodeSpec[] = [
  imageCnn,
  imageMlp,
  textEmbedding,
  textRnn,
  textCnn,
  textTransformer,
  audioCnn,
  audioCnn1d,
  tabularMlp,
  videoCnn,
  dense,
  pretrained,
];
