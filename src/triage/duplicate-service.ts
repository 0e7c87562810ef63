/**
 * Duplicate reports (重复件) in the running system: when a case is created (intake.ts), look
 * for open cases near it (an index query on place and time), score them (duplicates.ts), store the
 * proposals and tell the owning center; operators confirm (the case loop's 合并 merge) or
 * dismiss, both audited.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { act, caseDescriptions, getCaseView, openCasesNear, visibleCases, type CaseView } from '../cases/service.ts';
import type { Case } from '../cases/store.ts';
import { Problem, notFound } from '../http/errors.ts';
import { unitDirectory } from '../org/directory.ts';
import type { Principal } from '../org/model.ts';
import { boxAround, DUPLICATE_THRESHOLD, idfTable, matchDuplicate, ruleIndex, sketch, withinReach, type DuplicateSubject, type IdfTable, type TextSketch } from './duplicates.ts';
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

/** A newly reported case and its category as reported or as the model predicts it (or null). */
export interface NewReport { c: Case; category: string | null }

/** Text sketches by case id. A description never changes after intake, so an entry never goes stale. */
const SKETCH_CACHE_SIZE = 20_000;
const sketches = new Map<string, TextSketch>();

function rememberSketch(id: string, value: TextSketch): void {
  if (sketches.size >= SKETCH_CACHE_SIZE) sketches.delete(sketches.keys().next().value!);
  sketches.set(id, value);
}

/**
 * Finds and stores the duplicate proposals of newly reported cases — one search, one scoring
 * pass and one insert for the lot — and tells each owning center; returns those stored now.
 * Only the texts of open cases within reach are compared, and each text is sketched once: the
 * new reports' own sketches are kept for when they are the earlier case of a later report.
 */
export async function proposeDuplicates(ctx: AppContext, reports: readonly NewReport[]): Promise<store.DuplicateRow[]> {
  const open = reports.filter(({ c }) => MERGEABLE.includes(c.status));
  if (open.length === 0) return [];
  const words = corpusIdf();
  const subjects = open.map(({ c, category }) => {
    const at = Date.parse(c.createdAt);
    const subject: DuplicateSubject = { sketch: sketch(c.description, words), categoryCode: category, lon: c.lon, lat: c.lat, at };
    rememberSketch(c.id, subject.sketch);
    return subject;
  });
  const found = await openCasesNear(ctx, open.map(({ c, category }, i) => {
    const rule = rules(category);
    return { box: boxAround(c.lon, c.lat, rule.radiusM), since: new Date(subjects[i].at - rule.windowHours * 3_600_000), until: new Date(subjects[i].at), excludeId: c.id };
  }), SCAN_LIMIT);
  const reachable = found.map((nearby, i) => nearby
    .map((o) => ({ o, subject: { categoryCode: o.categoryCode, lon: o.lon, lat: o.lat, at: o.createdAtMs } }))
    .filter(({ subject }) => withinReach(subjects[i], subject, rules)));
  const unknown = [...new Set(reachable.flat().map(({ o }) => o.id).filter((id) => !sketches.has(id)))];
  for (const [id, text] of await caseDescriptions(ctx, unknown)) rememberSketch(id, sketch(text, words));
  const now = ctx.clock().toISOString();
  const proposals: Omit<store.DuplicateRow, 'status' | 'decidedAt' | 'decidedBy' | 'reason'>[] = [];
  const numbers = new Map<string, string>();
  open.forEach(({ c }, i) => {
    const matches = reachable[i]
      .flatMap(({ o, subject }) => {
        const known = sketches.get(o.id);
        const m = known && matchDuplicate(subjects[i], { ...subject, sketch: known }, rules);
        return m && m.score >= DUPLICATE_THRESHOLD ? [{ o, m }] : [];
      })
      .sort((x, y) => y.m.score - x.m.score)
      .slice(0, MAX_CANDIDATES);
    for (const { o, m } of matches) {
      numbers.set(o.id, o.number);
      proposals.push({
        id: ctx.newId('dup'), caseId: c.id, candidateId: o.id, streetCode: c.streetCode, score: m.score, similarity: m.similarity,
        distanceM: m.distanceM, hoursApart: m.hoursApart, proposedAt: now,
      });
    }
  });
  if (proposals.length === 0) return [];
  const inserted = await store.insertProposals(ctx.db, proposals);
  for (const { c } of open) {
    const mine = inserted.filter((r) => r.caseId === c.id);
    if (mine.length === 0) continue;
    ctx.bus.publish({
      id: ctx.newId('evt'), type: 'triage.duplicates-proposed', at: now, subject: { type: 'case', id: c.id },
      scope: { divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode], unitIds: [c.ownerUnitId], userIds: [] },
      payload: { number: c.number, title: c.title, candidates: mine.map((r) => ({ proposalId: r.id, caseId: r.candidateId, code: numbers.get(r.candidateId), score: r.score })) },
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
