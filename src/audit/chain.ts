/**
 * The hash chain of the audit log (审计日志), pure: each entry's hash covers its content
 * and the previous entry's hash, so editing or deleting any row breaks every later link.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** JSON with object keys sorted at every depth, so jsonb's key reordering doesn't change a hash. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function entryHash(entry: AuditEntry, prevHash: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(entry)).digest('hex');
}

export interface ChainFault {
  seq: number;
  problem: 'hash-mismatch' | 'broken-link' | 'gap' | 'head-mismatch';
  detail: string;
}

/** Checks stored rows (in seq order) against the chain head; returns every fault found. */
export function verifyChain(
  rows: readonly (AuditEntry & { prevHash: string; hash: string })[],
  head: { seq: number; hash: string },
): ChainFault[] {
  const faults: ChainFault[] = [];
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      faults.push({ seq: row.seq, problem: 'gap', detail: `expected entry ${expectedSeq}, found ${row.seq}` });
    }
    if (row.prevHash !== prevHash) {
      faults.push({ seq: row.seq, problem: 'broken-link', detail: 'previous-hash does not match the entry before it' });
    }
    const { prevHash: _p, hash, ...entry } = row;
    if (entryHash(entry, row.prevHash) !== hash) {
      faults.push({ seq: row.seq, problem: 'hash-mismatch', detail: 'content was changed after it was written' });
    }
    prevHash = hash;
    expectedSeq = row.seq + 1;
  }
  const last = rows.at(-1);
  if ((last?.seq ?? 0) !== head.seq || (last?.hash ?? GENESIS_HASH) !== head.hash) {
    faults.push({ seq: head.seq, problem: 'head-mismatch', detail: `chain head says entry ${head.seq}, log ends at ${last?.seq ?? 0}` });
  }
  return faults;
}
