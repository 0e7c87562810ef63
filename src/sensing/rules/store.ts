/**
 * SQL for alarm rules and the engine's persisted state. Reads happen at start and after a
 * rule changes; writes only for rule edits and, batched, for state that changed.
 */
import type { Queryable } from '../../storage/db.ts';
import { DEFAULT_RULES } from './defaults.ts';
import type { Rule, RuleKind, RuleParams, RuleScope } from './model.ts';

interface RuleRow {
  id: string; sensor_type: string; kind: RuleKind; scope: RuleScope; target_id: string; params: RuleParams;
  category_code: string | null; enabled: boolean; version: number; updated_at: Date; updated_by: string | null;
}

const toRule = (r: RuleRow): Rule => ({
  id: r.id, sensorType: r.sensor_type, kind: r.kind, scope: r.scope, targetId: r.target_id || null, params: r.params,
  categoryCode: r.category_code, enabled: r.enabled, version: r.version, updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
});

export async function listRules(db: Queryable, filter: { sensorType?: string; kind?: string; scope?: string; targetId?: string } = {}): Promise<Rule[]> {
  const rows = await db.query<RuleRow>(
    `select * from alarm_rule where ($1::text is null or sensor_type = $1) and ($2::text is null or kind = $2)
       and ($3::text is null or scope = $3) and ($4::text is null or target_id = $4)
     order by sensor_type, kind, scope desc, target_id`,
    [filter.sensorType ?? null, filter.kind ?? null, filter.scope ?? null, filter.targetId ?? null],
  );
  return rows.map(toRule);
}

export async function getRule(db: Queryable, id: string): Promise<Rule | undefined> {
  const [row] = await db.query<RuleRow>('select * from alarm_rule where id = $1', [id]);
  return row ? toRule(row) : undefined;
}

/** Inserts the type defaults that are missing (first start, or a new sensor type). */
export async function seedDefaultRules(db: Queryable, at: Date): Promise<number> {
  let added = 0;
  for (const d of DEFAULT_RULES) {
    const id = `${d.sensorType}.${d.params.kind}`;
    const rows = await db.query(
      `insert into alarm_rule (id, sensor_type, kind, scope, target_id, params, category_code, enabled, version, updated_at, updated_by)
       values ($1, $2, $3, 'type', '', $4, $5, true, 1, $6, null) on conflict do nothing returning id`,
      [id, d.sensorType, d.params.kind, JSON.stringify(d.params), d.categoryCode, at],
    );
    if (rows.length) {
      await db.query('insert into alarm_rule_version (rule_id, version, params, category_code, enabled, at, by_user_id) values ($1, 1, $2, $3, true, $4, null)',
        [id, JSON.stringify(d.params), d.categoryCode, at]);
      added++;
    }
  }
  return added;
}

/** Creates or replaces a rule row, bumping its version; returns the saved rule and the one before. */
export async function saveRule(tx: Queryable, input: Omit<Rule, 'version' | 'updatedAt' | 'id'> & { id: string }, at: Date, expectedVersion?: number): Promise<{ before: Rule | undefined; after: Rule } | 'conflict'> {
  const [existing] = await tx.query<RuleRow>('select * from alarm_rule where sensor_type = $1 and kind = $2 and scope = $3 and target_id = $4 for update',
    [input.sensorType, input.kind, input.scope, input.targetId ?? '']);
  if (expectedVersion !== undefined && (existing?.version ?? 0) !== expectedVersion) return 'conflict';
  const version = (existing?.version ?? 0) + 1;
  const id = existing?.id ?? input.id;
  const [row] = await tx.query<RuleRow>(
    `insert into alarm_rule (id, sensor_type, kind, scope, target_id, params, category_code, enabled, version, updated_at, updated_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do update set params = excluded.params, category_code = excluded.category_code, enabled = excluded.enabled,
       version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by
     returning *`,
    [id, input.sensorType, input.kind, input.scope, input.targetId ?? '', JSON.stringify(input.params), input.categoryCode, input.enabled, version, at, input.updatedBy],
  );
  await tx.query('insert into alarm_rule_version (rule_id, version, params, category_code, enabled, at, by_user_id) values ($1, $2, $3, $4, $5, $6, $7)',
    [id, version, JSON.stringify(input.params), input.categoryCode, input.enabled, at, input.updatedBy]);
  return { before: existing ? toRule(existing) : undefined, after: toRule(row) };
}

export async function ruleVersions(db: Queryable, id: string): Promise<{ version: number; params: RuleParams; categoryCode: string | null; enabled: boolean; at: string; byUserId: string | null }[]> {
  const rows = await db.query<{ version: number; params: RuleParams; category_code: string | null; enabled: boolean; at: Date; by_user_id: string | null }>(
    'select * from alarm_rule_version where rule_id = $1 order by version', [id]);
  return rows.map((r) => ({ version: r.version, params: r.params, categoryCode: r.category_code, enabled: r.enabled, at: r.at.toISOString(), byUserId: r.by_user_id }));
}

/** Every saved state, or those of the given subjects (sensors, assets). */
export async function loadStates(db: Queryable, subjectIds?: readonly string[]): Promise<{ subjectId: string; ruleKey: string; state: unknown }[]> {
  const rows = await db.query<{ subject_id: string; rule_key: string; state: unknown }>(
    subjectIds ? 'select subject_id, rule_key, state from alarm_rule_state where subject_id = any($1::text[])' : 'select subject_id, rule_key, state from alarm_rule_state',
    subjectIds ? [subjectIds] : []);
  return rows.map((r) => ({ subjectId: r.subject_id, ruleKey: r.rule_key, state: r.state }));
}

/** One statement for every state that changed in a batch. */
export async function saveStates(tx: Queryable, states: readonly { subjectId: string; ruleKey: string; state: unknown }[], at: Date): Promise<void> {
  if (!states.length) return;
  await tx.query(
    `insert into alarm_rule_state (subject_id, rule_key, state, updated_at)
     select s, k, j::jsonb, $4 from unnest($1::text[], $2::text[], $3::text[]) as t(s, k, j)
     on conflict (subject_id, rule_key) do update set state = excluded.state, updated_at = excluded.updated_at`,
    [states.map((s) => s.subjectId), states.map((s) => s.ruleKey), states.map((s) => JSON.stringify(s.state)), at],
  );
}
