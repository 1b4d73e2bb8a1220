/**
 * The graph document (DESIGN.md, "The graph document"): its zod schema, parsing from untrusted
 * text with diagnostics, and migrations from older versions.
 */
import { z } from 'zod';
import { error, type Diagnostic } from './diagnostics';

export const GRAPH_FORMAT = 'fusionlab/graph';
export const GRAPH_VERSION = 1;

/**
 * Node and edge ids: safe in layer names (tfjs wants a letter or digit first), file names and
 * (after mangling) code identifiers.
 */
export const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * Ids that name a property every plain JavaScript object has (`constructor`, `toString`, …). They
 * are refused so that no table keyed by id can be confused with an object's own machinery, even
 * where a plain object is used instead of a `Map`.
 */
export const RESERVED_IDS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The longest chain of nodes a graph may hold. tfjs builds and runs models by recursion along
 * the chain (about 4,000 layers overflow Node's stack); 500 nodes of up to a few layers each stay
 * well inside it, and no sensible model in this tool is deeper.
 */
export const MAX_GRAPH_DEPTH = 500;

/** Whether a string may be a node or edge id. */
export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id) && !RESERVED_IDS.has(id);
}

const idSchema = z
  .string()
  .regex(ID_PATTERN, 'ids start with a letter and hold letters, digits, _ or - (at most 64)')
  .refine((id) => !RESERVED_IDS.has(id), { message: 'this id is a reserved name (a property of every JavaScript object); choose another' });

export const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

export const graphNodeSchema = z.object({
  id: idSchema,
  kind: z.string().min(1).max(100),
  label: z.string().max(200).default(''),
  params: z.record(z.string(), z.unknown()).default({}),
  position: positionSchema.default({ x: 0, y: 0 }),
  frozen: z.boolean().default(false),
});

export const graphEdgeSchema = z.object({
  id: idSchema,
  source: idSchema,
  sourcePort: z.string().min(1).max(64),
  target: idSchema,
  targetPort: z.string().min(1).max(64),
});

export const graphSchema = z.object({
  format: z.literal(GRAPH_FORMAT),
  version: z.literal(GRAPH_VERSION),
  name: z.string().max(200).default('Untitled'),
  description: z.string().max(5000).default(''),
  nodes: z.array(graphNodeSchema).max(5000),
  edges: z.array(graphEdgeSchema).max(20000),
});

export type GraphDoc = z.infer<typeof graphSchema>;
export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;

export type ParseResult = { ok: true; graph: GraphDoc; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Migrations: `MIGRATIONS[v]` turns a version-`v` document into a version-`v+1` one. Version 1
 * is the first published format, so there is nothing to migrate yet; a document without a
 * version (written before the format was fixed) is treated as version 0 and upgraded here.
 */
const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  0: (doc) => ({ ...doc, format: GRAPH_FORMAT, version: 1 }),
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse and validate an untrusted graph document (already decoded from JSON). Never throws:
 * returns the document or diagnostics naming the node, edge and path at fault.
 */
export function parseGraph(input: unknown): ParseResult {
  try {
    return parseGraphUnsafe(input);
  } catch (e) {
    // zod and the migrations should never throw; this keeps the promise if they do.
    return { ok: false, diagnostics: [error('doc-schema', `Could not read the graph: ${String(e)}`)] };
  }
}

function parseGraphUnsafe(input: unknown): ParseResult {
  if (!isRecord(input)) {
    return { ok: false, diagnostics: [error('doc-format', 'A graph document is a JSON object.')] };
  }
  let doc: Record<string, unknown> = input;
  if (doc.format !== undefined && doc.format !== GRAPH_FORMAT) {
    return { ok: false, diagnostics: [error('doc-format', `This is not a FusionLab graph (format is ${JSON.stringify(String(doc.format)).slice(0, 80)}, expected "${GRAPH_FORMAT}").`, { path: ['format'] })] };
  }
  let version = doc.version === undefined ? 0 : doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return { ok: false, diagnostics: [error('doc-schema', 'The version must be a whole number.', { path: ['version'] })] };
  }
  if (version > GRAPH_VERSION) {
    return {
      ok: false,
      diagnostics: [error('doc-version-newer', `This graph was saved by a newer FusionLab (format version ${version}); this one reads up to version ${GRAPH_VERSION}. Update FusionLab to open it.`, { path: ['version'] })],
    };
  }
  while (version < GRAPH_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) return { ok: false, diagnostics: [error('doc-schema', `No migration from version ${version}.`)] };
    doc = step(doc);
    version += 1;
  }
  const parsed = graphSchema.safeParse(doc);
  if (!parsed.success) {
    return { ok: false, diagnostics: parsed.error.issues.slice(0, 50).map((iss) => issueToDiagnostic(doc, iss)) };
  }
  const graph = parsed.data;
  const diagnostics: Diagnostic[] = [];
  const seenNodes = new Set<string>();
  graph.nodes.forEach((n, i) => {
    if (seenNodes.has(n.id)) diagnostics.push(error('duplicate-node-id', `Two nodes have the id "${n.id}"; ids must be unique.`, { nodeId: n.id, path: ['nodes', i, 'id'] }));
    seenNodes.add(n.id);
  });
  const seenEdges = new Set<string>();
  graph.edges.forEach((e, i) => {
    if (seenEdges.has(e.id)) diagnostics.push(error('duplicate-edge-id', `Two edges have the id "${e.id}"; ids must be unique.`, { edgeId: e.id, path: ['edges', i, 'id'] }));
    seenEdges.add(e.id);
  });
  if (diagnostics.length) return { ok: false, diagnostics };
  return { ok: true, graph, diagnostics: [] };
}

function issueToDiagnostic(doc: Record<string, unknown>, iss: z.core.$ZodIssue): Diagnostic {
  const path = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const where: Omit<Diagnostic, 'severity' | 'code' | 'message'> = { path };
  let subject = '';
  if ((path[0] === 'nodes' || path[0] === 'edges') && typeof path[1] === 'number') {
    const list = doc[path[0]];
    const item = Array.isArray(list) ? list[path[1]] : undefined;
    const id = isRecord(item) && typeof item.id === 'string' ? item.id.slice(0, 64) : undefined;
    if (path[0] === 'nodes') {
      if (id && isValidId(id)) where.nodeId = id;
      subject = `node ${id ? JSON.stringify(id) : `#${path[1] + 1}`}`;
    } else {
      if (id && isValidId(id)) where.edgeId = id;
      subject = `edge ${id ? JSON.stringify(id) : `#${path[1] + 1}`}`;
    }
    const field = path.slice(2).join('.');
    if (field) subject += `, field "${field}"`;
  } else if (path.length) {
    subject = `field "${path.join('.')}"`;
  } else {
    subject = 'document';
  }
  return error('doc-schema', `${subject}: ${iss.message}`, where);
}

/** Parse a graph from JSON text. Never throws. */
export function parseGraphText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, diagnostics: [error('json-syntax', `The file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  return parseGraph(value);
}

/** Serialise a graph as pretty JSON with a stable key order. */
export function serializeGraph(graph: GraphDoc): string {
  return JSON.stringify(
    {
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      name: graph.name,
      description: graph.description,
      nodes: graph.nodes.map((n) => ({ id: n.id, kind: n.kind, label: n.label, params: n.params, position: n.position, frozen: n.frozen })),
      edges: graph.edges.map((e) => ({ id: e.id, source: e.source, sourcePort: e.sourcePort, target: e.target, targetPort: e.targetPort })),
    },
    null,
    2,
  );
}

/** An empty graph. */
export function emptyGraph(name = 'Untitled'): GraphDoc {
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, description: '', nodes: [], edges: [] };
}
