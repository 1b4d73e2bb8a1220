/**
 * The node catalogue: every kind, one file each, collected per category.
 */
import { createRegistry, type AnyNodeSpec, type NodeRegistry } from '../engine/spec';
import { inputNodes } from './input';
import { encoderNodes } from './encoder';
import { fusionNodes } from './fusion';
import { lateNodes } from './late';
import { headNodes } from './head';

export const allNodes: AnyNodeSpec[] = [...inputNodes, ...encoderNodes, ...fusionNodes, ...lateNodes, ...headNodes];

/** The registry the app, the CLI and the tests pass to the engine. */
export const registry: NodeRegistry = createRegistry(allNodes);
