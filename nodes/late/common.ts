/**
 * Ports shared by the late.* node files (pure: no tfjs at run time).
 */
import type { NodePorts } from '../../engine/spec';

/** Every late node: several branch predictions in, one prediction out. */
export function latePorts(): NodePorts {
  return {
    inputs: [{ id: 'in', label: 'Branch predictions', accepts: ['prediction'], multiple: true, minConnections: 2 }],
    outputs: [{ id: 'out', label: 'Fused prediction', accepts: ['prediction'] }],
  };
}
