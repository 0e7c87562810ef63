/** SQL for duplicate proposals (重复件), the triage_duplicate table. */
import type { Queryable } from '../storage/db.ts';

export type DuplicateStatus = 'proposed' | 'confirmed' | 'dismissed';

export interface DuplicateRow {
  id: string;
  caseId: string;
  candidateId: string;
  streetCode: string;
  score: number;
  similarity: number;
  distanceM: number;
  hoursApart: number;
  status: DuplicateStatus;
  proposedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
}

interface Raw {
  id: string; case_id: string; candidate_id: string; street_code: string; score: number; similarity: number; distance_m: number; hours_apart: number;
  status: DuplicateStatus; proposed_at: Date; decided_at: Date | null; decided_by: string | null; reason: string | null;
}

const toRow = (r: Raw): DuplicateRow => ({
  id: r.id, caseId: r.case_id, candidateId: r.candidate_id, streetCode: r.street_code, score: r.score, similarity: r.similarity,
  distanceM: r.distance_m, hoursApart: r.hours_apart, status: r.status, proposedAt: r.proposed_at.toISOString(),
  decidedAt: r.decided_at ? r.decided_at.toISOString() : null, decidedBy: r.decided_by, reason: r.reason,
});

/** Stores proposals in one statement; a pair proposed before keeps its first proposal and decision. Returns the rows inserted now. */
export async function insertProposals(tx: Queryable, rows: readonly Omit<DuplicateRow, 'status' | 'decidedAt' | 'decidedBy' | 'reason'>[]): Promise<DuplicateRow[]> {
  if (rows.length === 0) return [];
  const inserted = await tx.query<Raw>(
    `insert into triage_duplicate (id, case_id, candidate_id, street_code, score, similarity, distance_m, hours_apart, status, proposed_at)
     select id, case_id, candidate_id, street_code, score, similarity, distance_m, hours_apart, 'proposed', proposed_at
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::timestamptz[])
            as r(id, case_id, candidate_id, street_code, score, similarity, distance_m, hours_apart, proposed_at)
     on conflict (case_id, candidate_id) do nothing returning *`,
    [rows.map((r) => r.id), rows.map((r) => r.caseId), rows.map((r) => r.candidateId), rows.map((r) => r.streetCode), rows.map((r) => r.score),
      rows.map((r) => r.similarity), rows.map((r) => r.distanceM), rows.map((r) => r.hoursApart), rows.map((r) => r.proposedAt)],
  );
  // In the order asked (best first per case).
  const order = new Map(rows.map((r, i) => [r.id, i]));
  return inserted.map(toRow).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

export async function getProposal(db: Queryable, id: string): Promise<DuplicateRow | undefined> {
  const [row] = await db.query<Raw>('select * from triage_duplicate where id = $1', [id]);
  return row && toRow(row);
}

/** Proposals of one case (as the new report), best first. */
export async function proposalsOf(db: Queryable, caseId: string): Promise<DuplicateRow[]> {
  return (await db.query<Raw>('select * from triage_duplicate where case_id = $1 order by score desc, id', [caseId])).map(toRow);
}

/** Undecided proposals in some streets (null = everywhere), newest first. */
export async function openProposals(db: Queryable, streets: readonly string[] | null, limit: number): Promise<DuplicateRow[]> {
  const rows = streets === null
    ? await db.query<Raw>(`select * from triage_duplicate where status = 'proposed' order by proposed_at desc, id limit $1`, [limit])
    : await db.query<Raw>(`select * from triage_duplicate where status = 'proposed' and street_code = any($1::text[]) order by proposed_at desc, id limit $2`, [streets, limit]);
  return rows.map(toRow);
}

/** Records a decision on an undecided proposal; false when someone decided it meanwhile. */
export async function decide(tx: Queryable, id: string, status: 'confirmed' | 'dismissed', at: Date, by: string, reason: string | null): Promise<boolean> {
  const rows = await tx.query(
    `update triage_duplicate set status = $2, decided_at = $3, decided_by = $4, reason = $5 where id = $1 and status = 'proposed' returning 1`,
    [id, status, at, by, reason],
  );
  return rows.length === 1;
}
