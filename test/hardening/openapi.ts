/**
 * The operations of the OpenAPI document and fast-check arbitraries built from their JSON
 * schemas: valid values, and hostile ones (wrong types, out of range, injection-shaped).
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

export interface Parameter { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: JsonSchema }

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /api/v1/cases/{id}. */
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
  bodyTypes: string[];
  secured: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, {
    parameters?: Parameter[];
    requestBody?: { content: Record<string, { schema: JsonSchema }> };
    security?: unknown[];
  }>>;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(), path, parameters: op.parameters ?? [],
        body: content['application/json']?.schema, bodyTypes: Object.keys(content), secured: !!op.security?.length,
      });
    }
  }
  return ops;
}

/** Percent-encoding that also takes lone surrogates (as their WTF-8 bytes), which encodeURIComponent refuses. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'latin1')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

/** Fills an OpenAPI path template; values are percent-encoded unless `raw`. */
export function fillPath(path: string, values: Record<string, string>, raw = false): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => (raw ? values[name] : encodeSegment(values[name] ?? 'x')));
}

const variants = (s: JsonSchema) => s.anyOf ?? s.oneOf;

function regexArb(pattern: string, min: number, max: number): fc.Arbitrary<string> {
  try {
    // Lengths are fitted by padding and cutting, not filtering: a filter that rarely passes spins.
    return fc.stringMatching(new RegExp(pattern, 'u'), { size: 'xsmall' }).map((v) => (v.length < min ? v.padEnd(min, v.slice(-1) || 'a') : v.slice(0, max)));
  } catch {
    return fc.string({ minLength: min, maxLength: Math.min(max, 20) });
  }
}

/** Values the schema admits (small ones). */
export function validArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alt = variants(schema);
  if (alt?.length) return fc.oneof(...alt.map(validArb));
  if (schema.allOf?.length) return validArb(schema.allOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, validArb(s)])), { requiredKeys: schema.required ?? [] });
      const pattern = schema.patternProperties && Object.values(schema.patternProperties)[0];
      if (pattern && !Object.keys(props).length) return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), validArb(pattern), { maxKeys: 3 });
      return record;
    }
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 40;
      if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.pattern) return regexArb(schema.pattern, min, max);
      return fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, 30)) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6, max: schema.maximum ?? schema.exclusiveMaximum ?? 1e6,
        minExcluded: schema.exclusiveMinimum !== undefined, maxExcluded: schema.exclusiveMaximum !== undefined, noNaN: true, noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = schema.items ? validArb(schema.items) : fc.string();
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) };
      return schema.uniqueItems ? fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(item, constraints);
    }
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Strings an attacker sends: injection, traversal, markup, control and odd Unicode, huge. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR '1'='1", "1; DROP TABLE case_record; --", "\" OR 1=1 --", "'; select pg_sleep(5); --", "1' UNION SELECT password_hash FROM app_user --",
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${7*7}', '%s%s%s%n',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/dev/zero', 'file:///etc/shadow',
  '\u0000', 'a\u0000b', '\uD800', '\uDFFF\uD800', '\u202Eevil', '\uFEFF', '😀'.repeat(200), '中'.repeat(6000), 'ｓｅｌｅｃｔ',
  ' ', '', '\n\r\t', 'null', 'undefined', 'NaN', '-0', '1e999', '0x1F', '__proto__', 'constructor', 'x'.repeat(70_000),
];

export const HOSTILE_NUMBERS: readonly number[] = [
  -1, 0, -0, 181, -181, 91, -91, 1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 0.1, 1e-320, 4_294_967_296, 99_999_999_999,
];

/** A value of the wrong type or outside every constraint. */
export const hostileArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { $gt: '' }, { __proto__: { admin: true } }, [[[[[]]]]]),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid object with one field broken: replaced by a hostile value, dropped, or an extra one added. */
export function brokenObjectArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  const props = Object.keys(schema.properties ?? {});
  if (!props.length) return hostileArb;
  return fc.tuple(validArb(schema), fc.constantFrom(...props), fc.constantFrom('replace', 'drop', 'extra', 'nested'), hostileArb).map(([value, key, how, bad]) => {
    const object = { ...(value as Record<string, unknown>) };
    if (how === 'replace') object[key] = bad;
    else if (how === 'drop') delete object[key];
    else if (how === 'extra') object[`${key}_extra`] = bad;
    else object[key] = { [key]: bad };
    return object;
  });
}
