/**
 * A node kind's params as JSON Schema (via zod 4's `z.toJSONSchema`): the one reader that the
 * inspector form (engine/editor/fields.ts) and the catalogue (engine/catalogue.ts) share.
 */
import { z } from 'zod';
import type { AnyNodeSpec } from './spec';

/** The parts of a JSON Schema property that FusionLab reads. */
export interface JsonSchemaProp {
  type?: string | string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchemaProp;
  anyOf?: JsonSchemaProp[];
}

/** The params' properties in schema order, and their parsed defaults. Never throws. */
export function paramSchema(spec: AnyNodeSpec): { properties: Record<string, JsonSchemaProp>; defaults: Record<string, unknown> } {
  let properties: Record<string, JsonSchemaProp> = {};
  try {
    const schema = z.toJSONSchema(spec.params, { unrepresentable: 'any', io: 'input' }) as { properties?: Record<string, JsonSchemaProp> };
    properties = schema.properties ?? {};
  } catch {
    properties = {};
  }
  const parsed = spec.params.safeParse({});
  const defaults = parsed.success ? (parsed.data as Record<string, unknown>) : {};
  return { properties, defaults };
}
