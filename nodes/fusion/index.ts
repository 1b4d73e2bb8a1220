import type { AnyNodeSpec } from '../../engine/spec';
import concat from './concat';
import add from './add';
import average from './average';
import multiply from './multiply';
import max from './max';
import gated from './gated';
import attention from './attention';
import crossAttention from './cross-attention';
import tensor from './tensor';
import lowRank from './low-rank';
import film from './film';
import mfb from './mfb';

export const fusionNodes: AnyNodeSpec[] = [concat, add, average, multiply, max, gated, attention, crossAttention, tensor, lowRank, film, mfb];
