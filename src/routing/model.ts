/**
 * The responsibility list (权责清单): which unit must handle which category of case where.
 *
 * A rule names a category pattern (a category code, a 大类 or a whole kind), an area (a
 * division of district, street or community level, a management zone, or the whole city) and
 * the responsible unit, either concrete ('D-500000-water') or a template expanded from where
 * the case is ('D-{district}-cg', 'C-{street}'). Rules are versioned like divisions: each
 * version is valid on [validFrom, validTo); editing closes the current version and opens the
 * next, deleting closes it, and old versions stay so a past case still resolves as it did.
 */
import type { Tier } from '../org/model.ts';

export interface ResponsibilityRule {
  /** Stable across versions. */
  id: string;
  /** 1 for the first version, +1 per edit. */
  version: number;
  /** 'C0101', 'C01' or 'C'. */
  categoryPattern: string;
  /** '500103003', '500103', 'zone-gxq' or '500000'. */
  areaCode: string;
  /** A unit id or a template with {district} / {street}. */
  unitId: string;
  /** Tier of the responsible unit (市/区县/镇街). */
  tier: Tier;
  /** First day this version applies (inclusive), 'YYYY-MM-DD'. */
  validFrom: string;
  /** First day it no longer applies (exclusive); null while open. */
  validTo: string | null;
  note: string | null;
  createdAt: string;
  createdBy: string | null;
}

/** Placeholders a unit template may use. */
export const PLACEHOLDERS = ['{district}', '{street}'] as const;
