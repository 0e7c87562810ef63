/** Audit log storage: append inside the caller's transaction, read back for verification. */
import { prepared, type Queryable } from '../storage/db.ts';
import { chainOf, entryHash, verifyChain, type AuditEntry, type ChainFault } from './chain.ts';

export interface AuditInput {
  at: Date;
  actor: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Appends one entry; must run in the same transaction as the change it records. */
export async function appendAudit(tx: Queryable, input: AuditInput): Promise<AuditEntry & { hash: string }> {
  // Bumping the chain's head row takes its row lock, so appends to one chain queue here
  // (until commit); appends about other entities mostly go to other chains.
  const chain = chainOf(input.entityType, input.entityId);
  const [head] = await tx.query<{ seq: number; hash: string; global: number }>(
    `update audit_head set seq = seq + 1 where id = $1 returning seq, hash, nextval('audit_seq')::bigint as global`, [chain],
  );
  const entry = entryOf(input, chain, head.seq, head.global);
  const hash = entryHash(entry, head.hash);
  await tx.query(
    `with entry as (
       insert into audit_log (seq, chain, chain_seq, at, actor, action, entity_type, entity_id, before, after, request_id, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13))
     update audit_head set hash = $13 where id = $2`,
    [entry.seq, chain, entry.chainSeq, entry.at, entry.actor, entry.action, entry.entityType, entry.entityId,
      jsonParam(entry.before), jsonParam(entry.after), entry.requestId, head.hash, hash],
  );
  return { ...entry, hash };
}

// Takes the chains' locks (in ascending order), moves their heads on, and draws the entries'
// places in the whole log, all in one statement.
const LOCK_HEADS = prepared(
  `with locked as (select id from audit_head where id = any($1::int[]) order by id for update),
   heads as (
     update audit_head h set seq = h.seq + c.n from unnest($1::int[], $2::int[]) as c(id, n)
      where h.id = c.id and h.id in (select id from locked)
      returning h.id, h.seq, h.hash),
   seqs as (select array_agg(nextval('audit_seq')::bigint) as seqs from generate_series(1, $3::int))
   select heads.id, heads.seq, heads.hash, seqs.seqs from heads, seqs`,
);

// The entries as they are, in one JSON parameter (a null before/after is stored as SQL null).
const INSERT_ENTRIES = prepared(
  `with entries as (
     insert into audit_log (seq, chain, chain_seq, at, actor, action, entity_type, entity_id, before, after, request_id, prev_hash, hash)
     select e.seq, e.chain, e."chainSeq", e.at, e.actor, e.action, e."entityType", e."entityId", e.before, e.after, e."requestId", e."prevHash", e.hash
       from jsonb_to_recordset($1::jsonb) as e(seq bigint, chain int, "chainSeq" bigint, at timestamptz, actor text, action text, "entityType" text,
                                             "entityId" text, before jsonb, after jsonb, "requestId" text, "prevHash" text, hash text))
   update audit_head h set hash = n.hash from unnest($2::int[], $3::text[]) as n(id, hash) where h.id = n.id`,
);

/**
 * Appends several entries in two statements whatever their number (group-committed writes).
 * Chains are locked in ascending order; within a chain the entries keep the order given.
 */
export async function appendAuditBatch(tx: Queryable, inputs: readonly AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const byChain = new Map<number, AuditInput[]>();
  for (const input of inputs) {
    const chain = chainOf(input.entityType, input.entityId);
    byChain.set(chain, [...(byChain.get(chain) ?? []), input]);
  }
  const chains = [...byChain.keys()].sort((a, b) => a - b);
  const heads = await tx.query<{ id: number; seq: number; hash: string; seqs: number[] }>(
    LOCK_HEADS, [chains, chains.map((c) => byChain.get(c)!.length), inputs.length],
  );
  const globals = heads[0].seqs.map(Number).sort((a, b) => a - b);
  const rows: (AuditEntry & { prevHash: string; hash: string })[] = [];
  const newHeads: { id: number; hash: string }[] = [];
  let g = 0;
  for (const head of heads.sort((a, b) => a.id - b.id)) {
    const entries = byChain.get(head.id)!;
    let prev = head.hash;
    let chainSeq = head.seq - entries.length;
    for (const input of entries) {
      const entry = entryOf(input, head.id, ++chainSeq, globals[g++]);
      const hash = entryHash(entry, prev);
      rows.push({ ...entry, prevHash: prev, hash });
      prev = hash;
    }
    newHeads.push({ id: head.id, hash: prev });
  }
  await tx.query(INSERT_ENTRIES, [JSON.stringify(rows), newHeads.map((h) => h.id), newHeads.map((h) => h.hash)]);
}

function entryOf(input: AuditInput, chain: number, chainSeq: number, seq: number): AuditEntry {
  return {
    seq, chain, chainSeq, at: input.at.toISOString(), actor: input.actor, action: input.action, entityType: input.entityType,
    entityId: input.entityId, before: normalise(input.before), after: normalise(input.after), requestId: input.requestId ?? null,
  };
}

/** JSON round trip, so what is hashed equals what jsonb gives back (dates → strings, undefined dropped). */
function normalise(value: unknown): unknown {
  return value === undefined || value === null ? null : JSON.parse(JSON.stringify(value));
}

function jsonParam(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

interface AuditRow {
  seq: number; chain: number; chain_seq: number; at: Date; actor: string | null; action: string; entity_type: string; entity_id: string;
  before: unknown; after: unknown; request_id: string | null; prev_hash: string; hash: string;
}

export async function verifyAuditLog(db: Queryable, batch = 5000): Promise<{ entries: number; faults: ChainFault[] }> {
  const heads = await db.query<{ chain: number; seq: number; hash: string }>('select id as chain, seq, hash from audit_head order by id');
  const rows: (AuditEntry & { prevHash: string; hash: string })[] = [];
  let after = 0;
  for (;;) {
    const page = await db.query<AuditRow>('select * from audit_log where seq > $1 order by seq limit $2', [after, batch]);
    for (const r of page) {
      rows.push({
        seq: r.seq, chain: r.chain, chainSeq: r.chain_seq, at: r.at.toISOString(), actor: r.actor, action: r.action, entityType: r.entity_type,
        entityId: r.entity_id, before: r.before, after: r.after, requestId: r.request_id, prevHash: r.prev_hash, hash: r.hash,
      });
    }
    if (page.length < batch) break;
    after = page[page.length - 1].seq;
  }
  return { entries: rows.length, faults: verifyChain(rows, heads) };
}

export interface AuditRecord extends AuditEntry { hash: string }

export async function listAudit(db: Queryable, filter: { entityType?: string; entityId?: string; limit: number; beforeSeq?: number }): Promise<AuditRecord[]> {
  const rows = await db.query<AuditRow>(
    `select * from audit_log
      where ($1::text is null or entity_type = $1) and ($2::text is null or entity_id = $2) and ($3::bigint is null or seq < $3)
      order by seq desc limit $4`,
    [filter.entityType ?? null, filter.entityId ?? null, filter.beforeSeq ?? null, filter.limit],
  );
  return rows.map((r) => ({
    seq: r.seq, chain: r.chain, chainSeq: r.chain_seq, at: r.at.toISOString(), actor: r.actor, action: r.action, entityType: r.entity_type,
    entityId: r.entity_id, before: r.before, after: r.after, requestId: r.request_id, hash: r.hash,
  }));
}
