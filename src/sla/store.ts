/** SQL for calendar overrides and policy versions. Only this file touches those tables. */
import type { Urgency } from '../cases/model.ts';
import type { Queryable } from '../storage/db.ts';
import type { CalendarOverride, OverrideKind } from './calendar.ts';
import type { SlaBasis } from './deadline.ts';
import type { SlaPolicy } from './policy.ts';

/** One version of a policy as stored. */
export interface PolicyVersion extends SlaPolicy {
  version: number;
  name: string;
  /** An inactive version stops new clocks from picking the policy. */
  active: boolean;
  validFrom: Date;
  /** null for the current version. */
  validTo: Date | null;
  createdBy: string | null;
}

export interface StoredOverride extends CalendarOverride { updatedAt: Date; updatedBy: string | null }

interface OverrideRow { date: string; kind: OverrideKind; name: string; updated_at: Date; updated_by: string | null }

const toOverride = (r: OverrideRow): StoredOverride => ({ date: r.date, kind: r.kind, name: r.name, updatedAt: r.updated_at, updatedBy: r.updated_by });

interface PolicyRow {
  id: string; version: number; name: string; category_prefix: string | null; urgency: Urgency | null; basis: SlaBasis;
  accept_minutes: number; handle_minutes: number; verify_minutes: number; warn_share: number; active: boolean;
  valid_from: Date; valid_to: Date | null; created_by: string | null;
}

const toPolicy = (r: PolicyRow): PolicyVersion => ({
  id: r.id, version: r.version, name: r.name, categoryPrefix: r.category_prefix, urgency: r.urgency, basis: r.basis,
  acceptMinutes: r.accept_minutes, handleMinutes: r.handle_minutes, verifyMinutes: r.verify_minutes, warnShare: Number(r.warn_share),
  active: r.active, validFrom: r.valid_from, validTo: r.valid_to, createdBy: r.created_by,
});

export async function listOverrides(db: Queryable, range?: { from: string; to: string }): Promise<StoredOverride[]> {
  const rows = await db.query<OverrideRow>(
    `select date, kind, name, updated_at, updated_by from sla_calendar_override
      where ($1::date is null or date >= $1) and ($2::date is null or date <= $2) order by date`,
    [range?.from ?? null, range?.to ?? null],
  );
  return rows.map(toOverride);
}

/** The override of a date, locked for the rest of the transaction. */
export async function lockOverride(tx: Queryable, date: string): Promise<StoredOverride | undefined> {
  const [row] = await tx.query<OverrideRow>('select date, kind, name, updated_at, updated_by from sla_calendar_override where date = $1 for update', [date]);
  return row && toOverride(row);
}

export async function upsertOverride(tx: Queryable, o: CalendarOverride, by: string | null, at: Date): Promise<StoredOverride> {
  const [row] = await tx.query<OverrideRow>(
    `insert into sla_calendar_override (date, kind, name, updated_at, updated_by) values ($1, $2, $3, $4, $5)
     on conflict (date) do update set kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by
     returning date, kind, name, updated_at, updated_by`,
    [o.date, o.kind, o.name, at, by],
  );
  return toOverride(row);
}

export async function deleteOverride(tx: Queryable, date: string): Promise<boolean> {
  return (await tx.query('delete from sla_calendar_override where date = $1 returning 1', [date])).length > 0;
}

/** The versions in force at `at` (current versions when omitted), active or not. */
export async function listPoliciesAt(db: Queryable, at?: Date): Promise<PolicyVersion[]> {
  const rows = at
    ? await db.query<PolicyRow>('select * from sla_policy where valid_from <= $1 and (valid_to is null or valid_to > $1) order by id', [at])
    : await db.query<PolicyRow>('select * from sla_policy where valid_to is null order by id');
  return rows.map(toPolicy);
}

/** Every version of every policy, oldest first per policy. */
export async function listPolicyHistory(db: Queryable): Promise<PolicyVersion[]> {
  return (await db.query<PolicyRow>('select * from sla_policy order by id, version')).map(toPolicy);
}

export async function getPolicyVersion(db: Queryable, id: string, version: number): Promise<PolicyVersion | undefined> {
  const [row] = await db.query<PolicyRow>('select * from sla_policy where id = $1 and version = $2', [id, version]);
  return row && toPolicy(row);
}

/** The current version of a policy, locked for the rest of the transaction. */
export async function lockCurrentPolicy(tx: Queryable, id: string): Promise<PolicyVersion | undefined> {
  const [row] = await tx.query<PolicyRow>('select * from sla_policy where id = $1 and valid_to is null for update', [id]);
  return row && toPolicy(row);
}

export async function policyIdExists(db: Queryable, id: string): Promise<boolean> {
  return (await db.query('select 1 from sla_policy where id = $1 limit 1', [id])).length > 0;
}

/** Closes the current version of a policy at `at`. */
export async function closePolicyVersion(tx: Queryable, id: string, version: number, at: Date): Promise<void> {
  await tx.query('update sla_policy set valid_to = $3 where id = $1 and version = $2 and valid_to is null', [id, version, at]);
}

export async function insertPolicyVersion(tx: Queryable, p: Omit<PolicyVersion, 'validTo'>): Promise<PolicyVersion> {
  const [row] = await tx.query<PolicyRow>(
    `insert into sla_policy (id, version, name, category_prefix, urgency, basis, accept_minutes, handle_minutes, verify_minutes,
                             warn_share, active, valid_from, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning *`,
    [p.id, p.version, p.name, p.categoryPrefix, p.urgency, p.basis, p.acceptMinutes, p.handleMinutes, p.verifyMinutes,
      p.warnShare, p.active, p.validFrom, p.createdBy],
  );
  return toPolicy(row);
}
