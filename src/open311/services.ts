/**
 * GeoReport services: the category catalogue seen as Open311 service types, and the one
 * service definition they share (紧急程度 and 诉求类型 as single-value lists). Pure.
 */
import { CATEGORIES, categoryByCode, KIND_ZH, type Category } from '../categories/catalogue.ts';
import { APPEAL_TYPES, URGENCIES, URGENCY_ZH, type AppealType, type Urgency } from '../cases/model.ts';
import { Open311Error } from './format.ts';

/** Sortable stamp of the service list and definitions for discovery; change it whenever either changes. */
export const SERVICES_CHANGESET = '2026-11-01T00:00:00+08:00';

export const APPEAL_TYPE_ZH: Readonly<Record<AppealType, string>> = {
  consult: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', praise: '表扬',
};

export type Open311Service = {
  service_code: string;
  service_name: string;
  description: string;
  /** Every service has a definition (urgency, appeal type), all of it optional. */
  metadata: boolean;
  /** Requests become cases at once, so the case number comes back in the POST response. */
  type: 'realtime';
  keywords: string;
  group: string;
};

export function serviceOf(c: Category): Open311Service {
  return {
    service_code: c.code,
    service_name: c.name,
    description: `${KIND_ZH[c.kind]} · ${c.majorName} · ${c.name}`,
    metadata: true,
    type: 'realtime',
    keywords: [...(c.aliases ?? []), c.majorName, KIND_ZH[c.kind]].join(', '),
    group: c.majorName,
  };
}

let services: Open311Service[] | undefined;

export function serviceList(): readonly Open311Service[] {
  services ??= CATEGORIES.map(serviceOf);
  return services;
}

export type AttributeValue = { key: string; name: string };

export type Attribute = {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values: AttributeValue[];
};

// Keys in the spec's element order, since the XML follows them.
export const ATTRIBUTES: readonly Attribute[] = [
  {
    variable: true, code: 'urgency', datatype: 'singlevaluelist', required: false,
    datatype_description: '默认 一般 (normal); 紧急 and 特急 run on clock time, 一般 on working time', order: 1,
    description: '紧急程度 (urgency): 一般 normal, 紧急 urgent, 特急 critical',
    values: URGENCIES.map((u) => ({ key: u, name: URGENCY_ZH[u] })),
  },
  {
    variable: true, code: 'appeal_type', datatype: 'singlevaluelist', required: false,
    datatype_description: '默认 求助 (help); 举报 reports are kept confidential and never appear in GET requests', order: 2,
    description: '诉求类型 (appeal type)',
    values: APPEAL_TYPES.map((a) => ({ key: a, name: APPEAL_TYPE_ZH[a] })),
  },
];

export type ServiceDefinition = { service_code: string; attributes: readonly Attribute[] };

export function serviceDefinition(code: string): ServiceDefinition | undefined {
  return categoryByCode(code) ? { service_code: code, attributes: ATTRIBUTES } : undefined;
}

/** attribute[code]=value pairs as sent; a list value comes from attribute[code][]=…. */
export type RawAttributes = Readonly<Record<string, string | readonly string[]>>;

/**
 * The case fields the attributes give. A value may be the option's key or its name
 * ('urgent' or '紧急'); unknown codes and values are refused so a typo never passes silently.
 */
export function readAttributes(serviceCode: string, raw: RawAttributes | undefined): { urgency: Urgency; appealType: AppealType } {
  const chosen = new Map<string, string>();
  for (const [code, given] of Object.entries(raw ?? {})) {
    const attribute = ATTRIBUTES.find((a) => a.code === code);
    if (!attribute) {
      throw new Open311Error(400, `attribute[${code}] is not an attribute of service ${serviceCode}; its attributes are ${ATTRIBUTES.map((a) => a.code).join(', ')}`);
    }
    const values = (typeof given === 'string' ? [given] : given).filter((v) => v !== '');
    if (values.length === 0) continue;
    if (values.length > 1) throw new Open311Error(400, `attribute[${code}] takes one value (singlevaluelist), not ${values.length}`);
    const option = attribute.values.find((v) => v.key === values[0] || v.name === values[0]);
    if (!option) {
      throw new Open311Error(400, `attribute[${code}]=${values[0]} is not one of ${attribute.values.map((v) => `${v.key} (${v.name})`).join(', ')}`);
    }
    chosen.set(code, option.key);
  }
  return {
    urgency: (chosen.get('urgency') ?? 'normal') as Urgency,
    appealType: (chosen.get('appeal_type') ?? 'help') as AppealType,
  };
}
