/**
 * The catalogue as data: every node kind with its ports and params (type, default, bounds,
 * description), read from the node specs. The CLI's `nodes` command, the README table and the
 * app's docs all come from here, so nothing about a kind is written twice.
 */
import { paramSchema } from './params-schema';
import type { AnyNodeSpec, NodeCategory, NodeRegistry, PortSpec } from './spec';

/** One param of a node kind, from its zod schema. */
export interface ParamInfo {
  name: string;
  type: string;
  default: unknown;
  description: string;
  minimum?: number;
  maximum?: number;
  options?: unknown[];
}

export interface KindInfo {
  kind: string;
  category: NodeCategory;
  label: string;
  summary: string;
  doc: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: ParamInfo[];
}

/** Params of a kind, described from its zod schema. */
export function describeParams(spec: AnyNodeSpec): ParamInfo[] {
  const { properties, defaults } = paramSchema(spec);
  return Object.entries(properties).map(([name, prop]) => {
    const type = prop.enum ? 'enum' : Array.isArray(prop.type) ? prop.type.join('|') : prop.type === 'array' ? `${prop.items?.type ?? 'any'}[]` : (prop.type ?? 'any');
    return {
      name,
      type,
      default: defaults[name],
      description: prop.description ?? '',
      minimum: prop.minimum ?? prop.exclusiveMinimum,
      maximum: prop.maximum ?? prop.exclusiveMaximum,
      options: prop.enum,
    };
  });
}

/** Describe one kind. */
export function describeKind(spec: AnyNodeSpec): KindInfo {
  const ports = spec.ports(spec.params.parse({}));
  return {
    kind: spec.kind,
    category: spec.category,
    label: spec.label,
    summary: spec.summary,
    doc: spec.doc,
    inputs: ports.inputs,
    outputs: ports.outputs,
    params: describeParams(spec),
  };
}

/** Describe every kind of a registry, in catalogue order. */
export function describeCatalogue(registry: NodeRegistry): KindInfo[] {
  return registry.all().map(describeKind);
}

export const CATEGORY_TITLES: Record<NodeCategory, string> = {
  input: 'Inputs',
  encoder: 'Encoders',
  fusion: 'Fusion (feature level)',
  late: 'Model-level fusion',
  head: 'Heads',
};

/** The catalogue as a markdown table per category (for the README). */
export function catalogueMarkdown(registry: NodeRegistry): string {
  const kinds = describeCatalogue(registry);
  const out: string[] = [];
  for (const cat of Object.keys(CATEGORY_TITLES) as NodeCategory[]) {
    const list = kinds.filter((k) => k.category === cat);
    if (!list.length) continue;
    out.push(`### ${CATEGORY_TITLES[cat]}`, '', '| kind | what it does | params (default) |', '| --- | --- | --- |');
    for (const k of list) {
      const params = k.params.map((p) => `\`${p.name}\` (${JSON.stringify(p.default)})`).join(', ');
      out.push(`| \`${k.kind}\` | **${k.label}**: ${k.summary.replace(/\|/g, '\\|')} | ${params.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
