/**
 * Problems are data: every problem with a user's graph, file or dataset is a diagnostic.
 */

export type Severity = 'error' | 'warning';

/** One problem, pointing at what it is about. */
export interface Diagnostic {
  severity: Severity;
  /** A stable code from {@link DIAGNOSTIC_CODES}. */
  code: DiagnosticCode;
  message: string;
  nodeId?: string;
  edgeId?: string;
  portId?: string;
  /** Path inside the document or the params, e.g. `['nodes', 3, 'params', 'units']`. */
  path?: (string | number)[];
}

/**
 * Every diagnostic code with what it means. Tests assert that each code has a graph that
 * triggers it, so a code is added here together with its test.
 */
export const DIAGNOSTIC_CODES = {
  'json-syntax': 'The text is not valid JSON.',
  'doc-schema': 'The document does not match the graph format.',
  'doc-format': 'The document is not a FusionLab graph.',
  'doc-version-newer': 'The document was written by a newer FusionLab.',
  'duplicate-node-id': 'Two nodes share one id.',
  'duplicate-edge-id': 'Two edges share one id.',
  'unknown-kind': 'A node names a kind that the catalogue does not have.',
  'bad-params': 'A node param is missing a valid value.',
  'edge-unknown-node': 'An edge names a node that does not exist.',
  'edge-unknown-port': 'An edge names a port the node does not have.',
  'duplicate-edge': 'Two edges join the same ports.',
  'self-loop': 'An edge joins a node to itself.',
  cycle: 'The graph has a cycle; models must flow one way.',
  'incompatible-kind': 'An edge carries a tensor kind the target port does not accept.',
  'missing-input': 'A required input port is not connected.',
  'too-many-inputs': 'A port has more edges than it takes.',
  'too-few-inputs': 'A port that fuses several inputs has too few.',
  'shape-mismatch': 'Input shapes do not fit the operation.',
  'bad-shape': 'A shape is not valid for the operation (e.g. too small).',
  'no-head': 'The graph has no head, so nothing is predicted.',
  'no-input': 'The graph has no input node.',
  'input-unused': 'An input reaches no head.',
  'node-unused': 'A node does not feed any head.',
  'infer-failed': 'A node could not work out its output shape (a bug in the node kind).',
  'late-mixed-labels': 'A model-level fusion node joins heads with different labels or classes.',
  'build-failed': 'Building the model failed.',
  'no-output': 'Nothing in the graph is connected to a head, so there is no model to build.',
  'graph-too-deep': 'The longest chain of nodes is deeper than FusionLab builds.',
  'model-too-large': 'The model would have more parameters or activations than the model budget allows.',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Shorthand for an error diagnostic. */
export function error(code: DiagnosticCode, message: string, where: Omit<Diagnostic, 'severity' | 'code' | 'message'> = {}): Diagnostic {
  return { severity: 'error', code, message, ...where };
}

/** Shorthand for a warning diagnostic. */
export function warning(code: DiagnosticCode, message: string, where: Omit<Diagnostic, 'severity' | 'code' | 'message'> = {}): Diagnostic {
  return { severity: 'warning', code, message, ...where };
}

/** True when any diagnostic is an error. */
export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}
