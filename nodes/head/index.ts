import type { AnyNodeSpec } from '../../engine/spec';
import classify from './classify';
import multilabel from './multilabel';
import regress from './regress';

/** Every head kind, in palette order. */
export const headNodes: AnyNodeSpec[] = [classify, regress, multilabel];
