/** SQL for the responsibility list. Only this file touches responsibility_rule. */
import type { Queryable } from '../storage/db.ts';
import type { Tier } from '../org/model.ts';
import type { ResponsibilityRule } from './model.ts';

const WRITE_LOCK_KEY = 7_420_007;

interface RuleRow {
  id: string; version: number; category_pattern: string; area_code: string; unit_id: string; tier: Tier;
  valid_from: string; valid_to: string | null; note: string | null; created_at: Date; created_by: string | null;
}

const toRule = (r: RuleRow): ResponsibilityRule => ({
  id: r.id, version: r.version, categoryPattern: r.category_pattern, areaCode: r.area_code, unitId: r.unit_id, tier: r.tier,
  validFrom: r.valid_from, validTo: r.valid_to, note: r.note, createdAt: r.created_at.toISOString(), createdBy: r.created_by,
});

/**
 * Serialises writes to the list for the rest of the transaction, so the conflict check a
 * write makes still holds when it commits.
 */
export async function lockRuleWrites(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY]);
}

/** Every version of every rule, oldest first per rule. */
export async function listAllVersions(db: Queryable): Promise<ResponsibilityRule[]> {
  return (await db.query<RuleRow>('select * from responsibility_rule order by id, version')).map(toRule);
}

export async function versionsOf(db: Queryable, id: string): Promise<ResponsibilityRule[]> {
  return (await db.query<RuleRow>('select * from responsibility_rule where id = $1 order by version', [id])).map(toRule);
}

/** Versions naming this pattern for this area, of any rule. */
export async function versionsInSlot(db: Queryable, categoryPattern: string, areaCode: string): Promise<ResponsibilityRule[]> {
  return (await db.query<RuleRow>(
    'select * from responsibility_rule where category_pattern = $1 and area_code = $2 order by id, version',
    [categoryPattern, areaCode],
  )).map(toRule);
}

export async function countRules(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(distinct id)::int as n from responsibility_rule');
  return row.n;
}

export type NewVersion = Omit<ResponsibilityRule, 'createdAt'> & { createdAt: Date };

export async function insertVersions(tx: Queryable, versions: readonly NewVersion[]): Promise<ResponsibilityRule[]> {
  if (versions.length === 0) return [];
  const rows = await tx.query<RuleRow>(
    `insert into responsibility_rule (id, version, category_pattern, area_code, unit_id, tier, valid_from, valid_to, note, created_at, created_by)
     select v.id, v.version, v.category_pattern, v.area_code, v.unit_id, v.tier, v.valid_from, v.valid_to, v.note, v.created_at, v.created_by
       from jsonb_to_recordset($1::jsonb) as v(id text, version integer, category_pattern text, area_code text, unit_id text, tier text,
            valid_from date, valid_to date, note text, created_at timestamptz, created_by text)
     returning *`,
    [JSON.stringify(versions.map((v) => ({
      id: v.id, version: v.version, category_pattern: v.categoryPattern, area_code: v.areaCode, unit_id: v.unitId, tier: v.tier,
      valid_from: v.validFrom, valid_to: v.validTo, note: v.note, created_at: v.createdAt.toISOString(), created_by: v.createdBy,
    })))],
  );
  return rows.map(toRule);
}

/** Closes one open version on `validTo`; returns it, or undefined when it was not open. */
export async function closeVersion(tx: Queryable, id: string, version: number, validTo: string): Promise<ResponsibilityRule | undefined> {
  const [row] = await tx.query<RuleRow>(
    'update responsibility_rule set valid_to = $3 where id = $1 and version = $2 and valid_to is null returning *',
    [id, version, validTo],
  );
  return row && toRule(row);
}
