/**
 * The hash chains of the audit log (审计日志), pure: each entry's hash covers its content and
 * the previous entry's hash in its chain, so editing or deleting any row breaks every later
 * link. The log is split into AUDIT_CHAINS chains by entity, so writers about different
 * things don't wait for each other; one entity's history is always in one chain.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_CHAINS = 16;

export interface AuditEntry {
  /** Orders the whole log; may skip numbers (a rolled-back transaction used one). */
  seq: number;
  chain: number;
  /** Position in its chain: 1, 2, 3 … with no gaps. */
  chainSeq: number;
  at: string;
  actor: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** The chain an entity's entries go to. */
export function chainOf(entityType: string, entityId: string): number {
  const digest = createHash('sha256').update(entityType).update('\0').update(entityId).digest();
  return (digest.readUInt32BE(0) % AUDIT_CHAINS) + 1;
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
  chain: number;
  seq: number;
  problem: 'hash-mismatch' | 'broken-link' | 'gap' | 'head-mismatch';
  detail: string;
}

type StoredEntry = AuditEntry & { prevHash: string; hash: string };

/** Checks stored rows against the chain heads; returns every fault found. */
export function verifyChain(rows: readonly StoredEntry[], heads: readonly { chain: number; seq: number; hash: string }[]): ChainFault[] {
  const faults: ChainFault[] = [];
  const byChain = new Map<number, StoredEntry[]>();
  for (const row of rows) {
    const list = byChain.get(row.chain);
    if (list) list.push(row);
    else byChain.set(row.chain, [row]);
  }
  for (const head of heads) {
    const chainRows = (byChain.get(head.chain) ?? []).sort((a, b) => a.chainSeq - b.chainSeq);
    let prevHash = GENESIS_HASH;
    let expected = 1;
    for (const row of chainRows) {
      if (row.chainSeq !== expected) {
        faults.push({ chain: head.chain, seq: row.seq, problem: 'gap', detail: `chain ${head.chain}: expected entry ${expected}, found ${row.chainSeq}` });
      }
      if (row.prevHash !== prevHash) {
        faults.push({ chain: head.chain, seq: row.seq, problem: 'broken-link', detail: 'previous-hash does not match the entry before it' });
      }
      const { prevHash: _p, hash, ...entry } = row;
      if (entryHash(entry, row.prevHash) !== hash) {
        faults.push({ chain: head.chain, seq: row.seq, problem: 'hash-mismatch', detail: 'content was changed after it was written' });
      }
      prevHash = hash;
      expected = row.chainSeq + 1;
    }
    const last = chainRows.at(-1);
    if ((last?.chainSeq ?? 0) !== head.seq || (last?.hash ?? GENESIS_HASH) !== head.hash) {
      faults.push({ chain: head.chain, seq: last?.seq ?? 0, problem: 'head-mismatch', detail: `chain ${head.chain} head says entry ${head.seq}, the log ends at ${last?.chainSeq ?? 0}` });
    }
  }
  for (const chain of byChain.keys()) {
    if (!heads.some((h) => h.chain === chain)) faults.push({ chain, seq: 0, problem: 'head-mismatch', detail: `entries in unknown chain ${chain}` });
  }
  return faults;
}
