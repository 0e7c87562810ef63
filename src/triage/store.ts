/**
 * Triage storage: model versions in triage_model, and the operators' corrections read from the
 * case loop's tables (read only; the case loop owns them).
 */
import type { Queryable } from '../storage/db.ts';

export type ModelStatus = 'promoted' | 'retired' | 'rejected';

export interface ModelRow {
  version: number;
  status: ModelStatus;
  createdAt: Date;
  createdBy: string | null;
  promotedAt: Date | null;
  decision: string;
  options: Record<string, unknown>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

const COLUMNS = 'version, status, created_at, created_by, promoted_at, decision, options, training, metrics';

interface RawRow {
  version: number; status: ModelStatus; created_at: Date; created_by: string | null; promoted_at: Date | null; decision: string;
  options: Record<string, unknown>; training: Record<string, unknown>; metrics: Record<string, unknown>; weights?: Uint8Array;
}

const toRow = (r: RawRow): ModelRow => ({
  version: r.version, status: r.status, createdAt: r.created_at, createdBy: r.created_by, promotedAt: r.promoted_at, decision: r.decision,
  options: r.options, training: r.training, metrics: r.metrics,
});

export async function promotedModel(db: Queryable): Promise<(ModelRow & { weights: Uint8Array }) | undefined> {
  const [row] = await db.query<RawRow>(`select ${COLUMNS}, weights from triage_model where status = 'promoted'`);
  return row && { ...toRow(row), weights: row.weights! };
}

export async function modelWeights(db: Queryable, version: number): Promise<Uint8Array | undefined> {
  const [row] = await db.query<{ weights: Uint8Array }>('select weights from triage_model where version = $1', [version]);
  return row?.weights;
}

export async function listModels(db: Queryable, limit: number): Promise<ModelRow[]> {
  return (await db.query<RawRow>(`select ${COLUMNS} from triage_model order by version desc limit $1`, [limit])).map(toRow);
}

/** Stores a version; when it is promoted, the one in service retires in the same transaction. */
export async function insertModel(tx: Queryable, m: Omit<ModelRow, 'version'> & { weights: Buffer }): Promise<number> {
  // The lock serialises concurrent trainings so versions stay dense and one model is in service.
  await tx.query('lock table triage_model in exclusive mode');
  const [{ next }] = await tx.query<{ next: number }>('select coalesce(max(version), 0) + 1 as next from triage_model');
  if (m.status === 'promoted') await tx.query(`update triage_model set status = 'retired' where status = 'promoted'`);
  await tx.query(
    `insert into triage_model (version, status, created_at, created_by, promoted_at, decision, options, training, metrics, weights)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [next, m.status, m.createdAt, m.createdBy, m.promotedAt, m.decision, JSON.stringify(m.options), JSON.stringify(m.training), JSON.stringify(m.metrics), m.weights],
  );
  return next;
}

