/**
 * Duplicate reports (重复件) in the running system: when a case is created (intake.ts), look
 * for open cases near it (an index query on place and time), score them (duplicates.ts), store the
 * proposals and tell the owning center; operators confirm (the case loop's 合并 merge) or
 * dismiss, both audited.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { act, getCaseView, openCasesNear, visibleCases, type CaseView } from '../cases/service.ts';
import type { Case } from '../cases/store.ts';
import { Problem, notFound } from '../http/errors.ts';
import { unitDirectory } from '../org/directory.ts';
import type { Principal } from '../org/model.ts';
import { boxAround, DUPLICATE_THRESHOLD, idfTable, matchDuplicate, ruleIndex, sketch, type DuplicateSubject, type IdfTable } from './duplicates.ts';
import * as store from './duplicate-store.ts';
import { loadCorpus } from './train.ts';

/** At most this many proposals per new case, best first. */
export const MAX_CANDIDATES = 5;
/** Open cases read around a new report; a busier spot than this is a hotspot, not a duplicate question. */
const SCAN_LIMIT = 200;
/** A case can still be merged into another in these states (the case loop's merge rule). */
const MERGEABLE: readonly Case['status'][] = ['reported', 'verifying', 'registered'];

const rules = ruleIndex();
let idf: IdfTable | undefined;
/** IDF of the seed corpus's train split: what every report says weighs little. */
const corpusIdf = () => (idf ??= idfTable(loadCorpus().filter((r) => r.split === 'train').map((r) => r.text)));

/**
 * Finds and stores the duplicate proposals of a newly reported case (its category as reported
 * or as the model predicts it, or null); returns those stored now.
 */
export async function proposeDuplicates(ctx: AppContext, c: Case, category: string | null): Promise<store.DuplicateRow[]> {
  if (!MERGEABLE.includes(c.status)) return [];
  const rule = rules(category);
  const at = Date.parse(c.createdAt);
  const nearby = await openCasesNear(ctx, boxAround(c.lon, c.lat, rule.radiusM), new Date(at - rule.windowHours * 3_600_000), c.id, SCAN_LIMIT);
  if (nearby.length === 0) return [];
  const words = corpusIdf();
  const report: DuplicateSubject = { sketch: sketch(c.description, words), categoryCode: category, lon: c.lon, lat: c.lat, at };
  const matches = nearby
    .map((o) => ({ o, m: matchDuplicate(report, { sketch: sketch(o.description, words), categoryCode: o.categoryCode, lon: o.lon, lat: o.lat, at: Date.parse(o.createdAt) }, rules) }))
    .flatMap(({ o, m }) => (m && m.score >= DUPLICATE_THRESHOLD ? [{ o, m }] : []))
    .sort((x, y) => y.m.score - x.m.score)
    .slice(0, MAX_CANDIDATES);
  if (matches.length === 0) return [];
  const now = ctx.clock().toISOString();
  const inserted = await ctx.db.transaction((tx) => store.insertProposals(tx, matches.map(({ o, m }) => ({
    id: ctx.newId('dup'), caseId: c.id, candidateId: o.id, streetCode: c.streetCode, score: m.score, similarity: m.similarity,
    distanceM: m.distanceM, hoursApart: m.hoursApart, proposedAt: now,
  }))));
  if (inserted.length) {
    const numbers = new Map(nearby.map((o) => [o.id, o.number]));
    ctx.bus.publish({
      id: ctx.newId('evt'), type: 'triage.duplicates-proposed', at: now, subject: { type: 'case', id: c.id },
      scope: { divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode], unitIds: [c.ownerUnitId], userIds: [] },
      payload: { number: c.number, title: c.title, candidates: inserted.map((r) => ({ proposalId: r.id, caseId: r.candidateId, code: numbers.get(r.candidateId), score: r.score })) },
    });
  }
  return inserted;
}

// ── reads ─────────────────────────────────────────────────────────────────────────────────

export interface DuplicateCandidate {
  proposalId: string;
  /** The earlier open case this one may repeat. */
  caseId: string;
  /** Its case number. */
  code: string;
  title: string;
  status: string;
  score: number;
  similarity: number;
  distanceM: number;
  hoursApart: number;
}

/** The undecided proposals of a case whose candidates the caller may see, best first (for the case view). */
export async function duplicateCandidatesOf(ctx: AppContext, principal: Principal, caseId: string): Promise<DuplicateCandidate[]> {
  const rows = (await store.proposalsOf(ctx.db, caseId)).filter((r) => r.status === 'proposed');
  if (rows.length === 0) return [];
  const visible = await visibleCases(ctx, principal, rows.map((r) => r.candidateId));
  return rows.flatMap((r) => {
    const o = visible.get(r.candidateId);
    return o ? [{ proposalId: r.id, caseId: o.id, code: o.number, title: o.title, status: o.status, score: r.score, similarity: r.similarity, distanceM: r.distanceM, hoursApart: r.hoursApart }] : [];
  });
}

export interface ProposalView {
  id: string;
  score: number;
  similarity: number;
  distanceM: number;
  hoursApart: number;
  proposedAt: string;
  case: { id: string; number: string; title: string; status: string };
  candidate: { id: string; number: string; title: string; status: string };
}

const brief = (c: Case) => ({ id: c.id, number: c.number, title: c.title, status: c.status });

/** Undecided proposals in the caller's jurisdiction whose case can still be merged, newest first (the operators' list). */
export async function listProposals(ctx: AppContext, principal: Principal, limit: number): Promise<ProposalView[]> {
  const unit = principal.unit;
  if (!unit || unit.kind !== 'center') return [];
  const streets = (await unitDirectory(ctx)).streetsOf(unit);
  // Read more than asked: some rows drop out below (already merged, or a candidate out of reach).
  const rows = await store.openProposals(ctx.db, streets, limit * 3);
  const visible = await visibleCases(ctx, principal, rows.flatMap((r) => [r.caseId, r.candidateId]));
  return rows.flatMap((r) => {
    const c = visible.get(r.caseId);
    const o = visible.get(r.candidateId);
    if (!c || !o || !MERGEABLE.includes(c.status)) return [];
    return [{ id: r.id, score: r.score, similarity: r.similarity, distanceM: r.distanceM, hoursApart: r.hoursApart, proposedAt: r.proposedAt, case: brief(c), candidate: brief(o) }];
  }).slice(0, limit);
}

// ── decisions ─────────────────────────────────────────────────────────────────────────────

/** The proposal, if the caller may see its case (else 404, as for a missing one). */
async function visibleProposal(ctx: AppContext, principal: Principal, id: string): Promise<store.DuplicateRow> {
  const row = await store.getProposal(ctx.db, id);
  if (!row || !(await visibleCases(ctx, principal, [row.caseId])).has(row.caseId)) throw notFound('duplicate proposal', id);
  if (row.status !== 'proposed') throw new Problem('CY_CONFLICT', `duplicate proposal ${id} was already ${row.status}`);
  return row;
}

async function recordDecision(ctx: AppContext, principal: Principal, requestId: string, row: store.DuplicateRow, status: 'confirmed' | 'dismissed', reason: string | null): Promise<void> {
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await store.decide(tx, row.id, status, now, principal.user.id, reason))) throw new Problem('CY_CONFLICT', `duplicate proposal ${row.id} was decided meanwhile`);
    await appendAudit(tx, {
      at: now, actor: principal.user.id, action: `triage.duplicate.${status === 'confirmed' ? 'confirm' : 'dismiss'}`, entityType: 'case', entityId: row.caseId,
      before: { proposalId: row.id, status: 'proposed' }, after: { proposalId: row.id, status, candidateId: row.candidateId, score: row.score, reason }, requestId,
    });
  });
}

/** Confirms a proposal: the case is merged (合并) into the earlier one through the case loop. */
export async function confirmDuplicate(ctx: AppContext, principal: Principal, requestId: string, id: string, note?: string): Promise<CaseView> {
  const row = await visibleProposal(ctx, principal, id);
  const merged = await act(ctx, principal, requestId, row.caseId, { action: 'merge', masterId: row.candidateId, note: note ?? `重复件, 相似度 ${row.score}` });
  await recordDecision(ctx, principal, requestId, row, 'confirmed', note ?? null);
  return merged;
}

/** Dismisses a proposal (not the same incident); only those who could merge the case may. */
export async function dismissDuplicate(ctx: AppContext, principal: Principal, requestId: string, id: string, reason: string): Promise<void> {
  const row = await visibleProposal(ctx, principal, id);
  const view = await getCaseView(ctx, principal, row.caseId);
  if (!view.allowedActions.includes('merge')) {
    if (!MERGEABLE.includes(view.status)) throw new Problem('CY_CONFLICT', `case ${view.number} is ${view.status}; its duplicate proposals are moot`);
    throw new Problem('CY_FORBIDDEN', `you may not decide duplicates of case ${view.number}`);
  }
  await recordDecision(ctx, principal, requestId, row, 'dismissed', reason);
}
