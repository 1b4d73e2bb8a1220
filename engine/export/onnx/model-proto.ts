/**
 * An ONNX model as data, and its bytes: a small graph builder (nodes, initializers, typed inputs
 * and outputs) written out with protobufjs against the ONNX project's own `onnx.proto`
 * (./onnx.proto, copied unchanged from github.com/onnx/onnx at f7546912, Apache-2.0), so that no
 * byte of the format is hand-written here.
 */
import protobuf from 'protobufjs';
import type { OnnxAttr, OnnxOps } from '../../spec';
import ONNX_PROTO from './onnx.proto?raw';

/** The operator set the export targets (the default ONNX domain). */
export const ONNX_OPSET = 17;
/** IR version 8 goes with opset 17 (onnx/docs/Versioning.md). */
export const ONNX_IR_VERSION = 8;

/** TensorProto.DataType values used here. */
export const DTYPE = { float: 1, int32: 6, int64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type AttrValue = OnnxAttr;

interface OnnxNode {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: Record<string, unknown>[];
}

interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimParam: string } | { dimValue: number })[] } } };
}

let root: protobuf.Root | null = null;
function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
  return root.lookupType('onnx.ModelProto');
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: ATTR.INT, i: v };
  if (Array.isArray(v)) return { name, type: ATTR.INTS, ints: v };
  if ('float' in v) return { name, type: ATTR.FLOAT, f: v.float };
  if ('strings' in v) return { name, type: ATTR.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: ATTR.FLOATS, floats: v.floats };
}

/** A graph being written: every tensor name is unique (ONNX graphs are in SSA form). */
export class OnnxGraph implements OnnxOps {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private used = new Set<string>();

  /** A fresh tensor name from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 't';
    let name = clean;
    for (let i = 2; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Add a node; returns its output names (fresh names from `outputs`). */
  node(opType: string, input: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): string[] {
    const output = outputs.map((o) => this.fresh(o));
    this.nodes.push({ opType, input, output, name: this.fresh(`${opType}_${output[0]}`), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return output;
  }

  /** One-output node. */
  op(opType: string, input: string[], output: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, input, [output], attrs)[0];
  }

  /** A float32 constant (a trained weight, or a shape-free number). */
  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    const n = this.fresh(name);
    const data = Float32Array.from(values);
    this.initializers.push({ name: n, dims, dataType: DTYPE.float, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return n;
  }

  /** An int64 constant (shapes, axes). */
  int64s(name: string, values: number[]): string {
    const n = this.fresh(name);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name: n, dims: [values.length], dataType: DTYPE.int64, rawData: new Uint8Array(data.buffer) });
    return n;
  }

  /** A graph input or output: batch dimension symbolic (`batch`), the rest fixed. */
  valueInfo(name: string, elemType: number, shape: number[]): ValueInfo {
    return { name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] } } } };
  }

  /** The model's bytes (ModelProto). */
  encode(meta: { graphName: string; docString?: string; producerVersion?: string; metadata?: Record<string, string> }): Uint8Array {
    const T = modelType();
    const message = T.fromObject({
      irVersion: ONNX_IR_VERSION,
      producerName: 'FusionLab',
      producerVersion: meta.producerVersion ?? '0.1.0',
      docString: meta.docString ?? '',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return T.encode(message).finish();
  }
}
