import type { AnyNodeSpec } from '../../engine/spec';
import average from './average';
import vote from './vote';
import stack from './stack';

export const lateNodes: AnyNodeSpec[] = [average, vote, stack];
