/**
 * The case loop's service: intake (上报), actions through the workflow table, reads scoped
 * to the caller. Each change is one transaction: the case row (optimistic version), its
 * timeline entry, its SLA timers, notifications and the audit entry; events go out after
 * the commit.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../app.ts';
import { appendAudit, appendAuditBatch } from '../audit/index.ts';
import { categoryByCode } from '../categories/catalogue.ts';
import type { DomainEvent } from '../events/bus.ts';
import { toWgs84, type Crs } from '../geo/crs.ts';
import { Problem, notFound } from '../http/errors.ts';
import { deliverNotices, notifyUsers, recipientsOf } from '../notify/index.ts';
import { unitDirectory, type UnitDirectory } from '../org/directory.ts';
import type { Principal } from '../org/model.ts';
import type { Queryable } from '../storage/db.ts';
import { GroupCommitter } from '../storage/group-commit.ts';
import { actorOf, canSee, districtCenterId, isDispatchTarget, maskPhone, reachOf, relationsOf, seesPhone } from './access.ts';
import type { AppealType, Channel, Urgency } from './model.ts';
import { recommendUnit, reference } from './reference.ts';
import { clockRunOf, planSla, timersFor } from './sla-plan.ts';
import * as store from './store.ts';
import type { Case, CaseFilter, TimelineEntry } from './store.ts';
import { ACTION_ZH, allowedActions, OPEN_STATUSES, STATUS_ZH, transition, type CaseAction, type CaseStatus, type Command, type Effect } from './workflow.ts';

export interface IntakeInput {
  channel: Channel;
  appealType: AppealType;
  categoryCode?: string;
  domain?: string;
  urgency: Urgency;
  title?: string;
  description: string;
  address?: string;
  location: { lon: number; lat: number; crs: Crs };
  reporter?: { name?: string; phone?: string };
  photos?: string[];
  /** System intake only (not in the HTTP schema): the unit known to handle it, e.g. an alarming sensor's owner, instead of the responsibility list's pick. */
  handlingUnitId?: string;
}

/** Who is reporting: a signed-in user, or a system client (Open311 key, sensor bridge). */
export type Reporter = { principal: Principal; requestId: string } | { client: string; requestId: string };

export interface CaseView extends Omit<Case, 'reporterPhone'> {
  reporterPhone: string | null;
  statusName: string;
  overdue: boolean;
  allowedActions: CaseAction[];
  ownerUnitName: string | null;
  assigneeUnitName: string | null;
}

export function view(ctx: AppContext, principal: Principal | null, c: Case, units: UnitDirectory): CaseView {
  const relations = principal ? relationsOf(principal, c, units) : new Set<never>();
  const now = ctx.clock();
  return {
    ...c,
    reporterPhone: principal && seesPhone(principal, relations) ? c.reporterPhone : maskPhone(c.reporterPhone),
    statusName: STATUS_ZH[c.status],
    overdue: isOverdue(c, now),
    allowedActions: principal ? allowedActions(c, actorOf(principal, c, units), now) : [],
    ownerUnitName: units.get(c.ownerUnitId)?.name ?? null,
    assigneeUnitName: c.assigneeUnitId ? units.get(c.assigneeUnitId)?.name ?? null : null,
  };
}

export function isOverdue(c: Pick<Case, 'dueAt' | 'status'>, now: Date): boolean {
  return !!c.dueAt && new Date(c.dueAt) < now && (OPEN_STATUSES as readonly string[]).includes(c.status);
}

function caseEvent(ctx: AppContext, type: string, c: Case, payload: Record<string, unknown>): DomainEvent {
  return {
    id: ctx.newId('evt'), type, at: ctx.clock().toISOString(), subject: { type: 'case', id: c.id },
    scope: {
      divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode],
      unitIds: [...new Set([c.ownerUnitId, ...(c.assigneeUnitId ? [c.assigneeUnitId] : []), ...c.tasks.map((t) => t.unitId)])],
      userIds: c.reporterUserId ? [c.reporterUserId] : [],
    },
    payload: { number: c.number, status: c.status, statusName: STATUS_ZH[c.status], urgency: c.urgency, lon: c.lon, lat: c.lat, title: c.title, dueAt: c.dueAt, ...payload },
  };
}

const requestHash = (input: IntakeInput) => createHash('sha256').update(JSON.stringify(input)).digest('hex');
const reporterKey = (r: Reporter) => ('principal' in r ? `user:${r.principal.user.id}` : `client:${r.client}`);

/** Intake (上报) from any channel. With an idempotency key, a retry returns the case the first call made. */
export async function reportCase(ctx: AppContext, reporter: Reporter, input: IntakeInput, idempotencyKey?: string): Promise<{ case: Case; replayed: boolean }> {
  const owner = reporterKey(reporter);
  const hash = requestHash(input);
  const category = input.categoryCode ? categoryByCode(input.categoryCode) : undefined;
  if (input.categoryCode && !category) throw new Problem('CY_UNPROCESSABLE', `unknown category ${input.categoryCode}`, [{ pointer: '/body/categoryCode', message: 'not in the category catalogue' }]);
  await requirePhotos(ctx, input.photos ?? []);
  const now = ctx.clock();
  const today = ctx.today();
  const [lon, lat] = toWgs84(input.location.lon, input.location.lat, input.location.crs);
  const place = ctx.city.locate(lon, lat, today);
  if (!place) throw new Problem('CY_OUT_OF_AREA', `(${input.location.lon}, ${input.location.lat}) ${input.location.crs.toUpperCase()} is not inside the city`);
  const [ref, units] = await Promise.all([reference(ctx), unitDirectory(ctx)]);
  const chain = [place.community.code, place.street.code, ...(place.zone ? [place.zone.code] : []), place.district.code, place.city.code];
  const recommended: { unitId: string; ruleId: string | null } | undefined = input.handlingUnitId && units.get(input.handlingUnitId)?.active
    ? { unitId: input.handlingUnitId, ruleId: null }
    : recommendUnit(ref, input.categoryCode ?? null, chain, today);
  const streetCenter = `C-${place.street.code}`;
  const districtCenter = districtCenterId({ districtCode: place.district.code }, place.zone?.code ?? null);
  // Street centers own what the list gives to a street, and their own grid patrols; the
  // district center triages the rest, including whatever no rule covers.
  const ownerUnitId = recommended?.unitId === streetCenter || input.channel === 'patrol' ? streetCenter : districtCenter;
  if (!units.get(ownerUnitId)) throw new Problem('CY_UNPROCESSABLE', `no center ${ownerUnitId} for this location`);
  const principal = 'principal' in reporter ? reporter.principal : null;
  const id = ctx.newId('case');
  // The default title cuts whole characters: half an emoji's surrogate pair is text PostgreSQL refuses.
  const draft: Case = {
    id, number: '', version: 1, status: 'reported', suspendedFrom: null, channel: input.channel, appealType: input.appealType,
    domain: input.domain ?? category?.domain ?? null, categoryCode: input.categoryCode ?? null, urgency: input.urgency,
    title: input.title ?? (category ? `${category.name}` : Array.from(input.description).slice(0, 30).join('')), description: input.description,
    address: input.address ?? null, lon: round6(lon), lat: round6(lat), gridCode: place.grid.code, communityCode: place.community.code,
    streetCode: place.street.code, districtCode: place.district.code, locationDate: today,
    reporterUserId: principal?.user.id ?? null,
    reporterName: input.reporter?.name ?? principal?.user.displayName ?? null, reporterPhone: input.reporter?.phone ?? principal?.user.phone ?? null,
    photos: input.photos ?? [], ownerUnitId, assigneeUnitId: null, recommendedUnitId: recommended?.unitId ?? null,
    routingRuleId: recommended?.ruleId ?? null, tasks: [], reworkCount: 0, reopenCount: 0, extensionMinutes: 0, pendingExtension: null,
    satisfaction: null, satisfactionComment: null, closedAt: null, masterId: null, sla: null, dueAt: null,
    createdAt: now.toISOString(), updatedAt: now.toISOString(),
  };
  draft.sla = planSla(draft, null, [], now, ref.sla);
  draft.dueAt = draft.sla?.dueAt ?? null;
  const intake: Intake = {
    draft, now, timers: timersFor(draft, draft.sla, now, ref.sla, ctx.newId),
    idempotency: idempotencyKey ? { owner, key: idempotencyKey, requestHash: hash } : null,
    actor: principal?.user.id ?? ('client' in reporter ? reporter.client : null), actorUnitId: principal?.unit?.id ?? null,
    client: 'client' in reporter ? reporter.client : null, requestId: reporter.requestId,
  };
  const written = await intakeCommitter(ctx).submit(intake);
  if (written === 'replay') {
    const earlier = await store.findIdempotent(ctx.db, owner, idempotencyKey!);
    if (!earlier) throw new Problem('CY_INTERNAL');
    return replay(ctx, earlier, hash);
  }
  rememberCreated(ctx, draft);
  ctx.bus.publish(caseEvent(ctx, 'case.created', draft, {}));
  return { case: draft, replayed: false };
}

/** One prepared report, waiting for its group commit. */
interface Intake {
  draft: Case;
  now: Date;
  timers: store.Timer[];
  idempotency: { owner: string; key: string; requestHash: string } | null;
  actor: string | null;
  actorUnitId: string | null;
  client: string | null;
  requestId: string;
}

const committers = new WeakMap<AppContext, GroupCommitter<Intake, 'created' | 'replay'>>();

/**
 * Reports are written in groups: one transaction takes every report that arrived while the
 * previous one was committing — serial numbers, idempotency keys, cases, first timeline
 * entries, SLA timers, notices and audit entries, each kind in one statement.
 */
function intakeCommitter(ctx: AppContext): GroupCommitter<Intake, 'created' | 'replay'> {
  let committer = committers.get(ctx);
  if (!committer) {
    committer = new GroupCommitter((batch) => writeIntakes(ctx, batch), { maxBatch: 64, concurrency: ctx.db.kind === 'embedded' ? 1 : 2 });
    committers.set(ctx, committer);
  }
  return committer;
}

async function writeIntakes(ctx: AppContext, batch: readonly Intake[]): Promise<('created' | 'replay')[]> {
  // Case numbers per (day, district) are reserved first, in a statement of their own, the way a
  // database sequence hands out values: the counter row is locked for that statement only, not
  // for the whole intake, so concurrent batches (and nodes) don't queue on a busy district's row.
  // A report that then fails, or turns out to be a retry, leaves a gap in that day's numbers.
  const counts = new Map<string, { day: string; districtCode: string; count: number }>();
  for (const { draft } of batch) {
    const k = `${draft.locationDate}|${draft.districtCode}`;
    const entry = counts.get(k) ?? { day: draft.locationDate, districtCode: draft.districtCode, count: 0 };
    entry.count++;
    counts.set(k, entry);
  }
  // Who hears of each new case (its owning center's accounts) is read meanwhile, outside the
  // transaction: one statement fewer while the transaction runs.
  const [last, recipients] = await Promise.all([
    store.reserveSerials(ctx.db, [...counts.values()]),
    recipientsOf(ctx.db, batch.map(({ draft }) => ({ unitIds: [draft.ownerUnitId] }))),
  ]);
  const next = new Map([...counts].map(([k, c]) => [k, last.get(k)! - c.count + 1]));
  for (const { draft } of batch) {
    const k = `${draft.locationDate}|${draft.districtCode}`;
    const serial = next.get(k)!;
    next.set(k, serial + 1);
    draft.number = `${draft.locationDate.replaceAll('-', '')}${draft.districtCode}${String(serial).padStart(5, '0')}`;
  }
  return ctx.db.transaction(async (tx) => {
    // A key already used (earlier, or by an earlier report of this batch) makes its report a replay.
    const written = await store.insertNewCases(tx, batch.map(({ draft, now, timers, idempotency, actor, actorUnitId, client }) => ({
      c: draft, timers, idempotency: idempotency && { ...idempotency, at: now },
      firstEvent: {
        at: now.toISOString(), action: 'report', fromStatus: null, toStatus: 'reported', actorUserId: client ? null : actor, actorUnitId, note: null,
        data: { channel: draft.channel, ...(client ? { client } : {}), recommendedUnitId: draft.recommendedUnitId, ownerUnitId: draft.ownerUnitId },
      },
    })));
    const outcome = batch.map((i): 'created' | 'replay' => (written.has(i.draft.id) ? 'created' : 'replay'));
    const fresh = batch.flatMap((i, n) => (outcome[n] === 'created' ? [{ ...i, recipients: recipients[n] }] : []));
    if (fresh.length === 0) return outcome;
    await deliverNotices(tx, fresh.map(({ draft, now }) => ({
      at: now, kind: 'case.created', title: `新案件 ${draft.number}`, body: draft.title, subject: { type: 'case', id: draft.id },
    })), fresh.map((i) => i.recipients));
    await appendAuditBatch(tx, fresh.map(({ draft, now, actor, requestId }) => ({
      at: now, actor, action: 'case.report', entityType: 'case', entityId: draft.id, after: draft, requestId,
    })));
    return outcome;
  });
}

async function replay(ctx: AppContext, earlier: { requestHash: string; caseId: string }, hash: string): Promise<{ case: Case; replayed: boolean }> {
  if (earlier.requestHash !== hash) throw new Problem('CY_CONFLICT', 'this Idempotency-Key was used for a different report');
  const c = await store.getCase(ctx.db, earlier.caseId);
  if (!c) throw new Problem('CY_INTERNAL');
  return { case: c, replayed: true };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

async function requirePhotos(ctx: AppContext, hashes: readonly string[]): Promise<void> {
  if (hashes.length === 0) return;
  const known = await store.existingPhotos(ctx.db, hashes);
  const missing = hashes.filter((h) => !known.has(h));
  if (missing.length) throw new Problem('CY_UNPROCESSABLE', `unknown photo ${missing[0]}: upload it first (POST /api/v1/photos)`);
}

/** The case if the caller may see it, else 404 (the same as a missing id). */
export async function visibleCase(ctx: AppContext, principal: Principal, id: string): Promise<{ c: Case; units: UnitDirectory }> {
  const [c, units] = await Promise.all([store.getCase(ctx.db, id), unitDirectory(ctx)]);
  if (!c || !canSee(principal, c, units)) throw notFound('case', id);
  return { c, units };
}

export async function getCaseView(ctx: AppContext, principal: Principal, id: string): Promise<CaseView> {
  const { c, units } = await visibleCase(ctx, principal, id);
  return view(ctx, principal, c, units);
}

export async function caseTimeline(ctx: AppContext, principal: Principal, id: string): Promise<{ events: (TimelineEntry & { actionName: string })[]; supervisions: store.Supervision[] }> {
  await visibleCase(ctx, principal, id);
  const [events, supervisions] = await Promise.all([store.timeline(ctx.db, id), store.supervisionsOf(ctx.db, id)]);
  return { events: events.map((e) => ({ ...e, actionName: ACTION_ZH[e.action as CaseAction] ?? SYSTEM_ACTION_ZH[e.action] ?? e.action })), supervisions };
}

const SYSTEM_ACTION_ZH: Record<string, string> = { report: '上报', escalate: '超期升级', warn: '临期预警', 'close-merged': '随主案结案', note: '系统备注' };

/**
 * A note from a system source on a case's timeline (e.g. a sensor alarm's later level changes):
 * the case's status, owner and clocks stay as they are.
 */
export async function addSystemNote(ctx: AppContext, caseId: string, input: { client: string; requestId: string; note: string; data?: Record<string, unknown> }): Promise<void> {
  const c = await store.getCase(ctx.db, caseId);
  if (!c) throw notFound('case', caseId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await store.appendEvent(tx, caseId, {
      at: now.toISOString(), action: 'note', fromStatus: c.status, toStatus: c.status, actorUserId: null, actorUnitId: null, note: input.note, data: { client: input.client, ...input.data },
    });
    await appendAudit(tx, { at: now, actor: input.client, action: 'case.note', entityType: 'case', entityId: caseId, after: { note: input.note, ...input.data }, requestId: input.requestId });
  });
  ctx.bus.publish(caseEvent(ctx, 'case.note', c, { note: input.note }));
}

export type ListQuery = Omit<CaseFilter, 'streets' | 'ownerUnitIds' | 'handlingUnitIds' | 'reporterUserId' | 'overdueAt'> & { overdue?: boolean };

export async function listCaseViews(ctx: AppContext, principal: Principal, query: ListQuery): Promise<CaseView[]> {
  const units = await unitDirectory(ctx);
  const reach = reachOf(principal, units);
  const rows = await store.listCases(ctx.db, { ...query, ...reach, overdueAt: query.overdue ? ctx.clock() : undefined });
  return rows.map((c) => view(ctx, principal, c, units));
}

/** Checks the inputs of a command that name other things (units, cases, photos). */
async function validateCommand(ctx: AppContext, principal: Principal, c: Case, cmd: Command, units: UnitDirectory): Promise<void> {
  const coversCase = (unitId: string) => {
    const unit = units.get(unitId);
    return unit && (unit.tier === 'city' || units.covers(unit, c.streetCode)) ? unit : undefined;
  };
  switch (cmd.action) {
    case 'dispatch': {
      const all = [cmd.unitId, ...(cmd.assistingUnitIds ?? [])];
      if (new Set(all).size !== all.length) throw new Problem('CY_UNPROCESSABLE', 'the lead unit and assisting units must all differ');
      for (const unitId of all) {
        const unit = coversCase(unitId);
        if (!unit || !isDispatchTarget(unit)) throw new Problem('CY_UNPROCESSABLE', `${unitId} is not a handling unit for this location`);
      }
      break;
    }
    case 'transfer': {
      const unit = coversCase(cmd.toUnitId);
      if (!unit || !unit.active || unit.id === c.ownerUnitId && cmd.toKind === 'center') throw new Problem('CY_UNPROCESSABLE', `cannot transfer to ${cmd.toUnitId}`);
      if ((cmd.toKind === 'center') !== (unit.kind === 'center')) throw new Problem('CY_UNPROCESSABLE', `${cmd.toUnitId} is not a ${cmd.toKind}`);
      break;
    }
    case 'merge': {
      if (cmd.masterId === c.id) throw new Problem('CY_UNPROCESSABLE', 'a case cannot be merged into itself');
      const master = await store.getCase(ctx.db, cmd.masterId);
      if (!master || !canSee(principal, master, units)) throw new Problem('CY_UNPROCESSABLE', `unknown master case ${cmd.masterId}`);
      if (master.status === 'merged' || !(OPEN_STATUSES as readonly string[]).includes(master.status)) {
        throw new Problem('CY_UNPROCESSABLE', `master case ${master.number} is ${master.status}; merge into an open case`);
      }
      break;
    }
    case 'accept':
      if (cmd.categoryCode !== undefined && !categoryByCode(cmd.categoryCode)) throw new Problem('CY_UNPROCESSABLE', `unknown category ${cmd.categoryCode}`);
      break;
    case 'selfHandle': case 'confirmReport': case 'reportHandled': case 'verifyFix':
      await requirePhotos(ctx, cmd.photos ?? []);
      break;
    default:
      break;
  }
}

function noteOf(cmd: Command): string | null {
  if ('reason' in cmd) return cmd.reason;
  if ('note' in cmd && cmd.note) return cmd.note;
  if (cmd.action === 'evaluate') return cmd.comment ?? null;
  return null;
}

/** Takes an action on a case. `expectedVersion` (If-Match) makes a stale client fail with 409. */
export async function act(ctx: AppContext, principal: Principal, requestId: string, id: string, cmd: Command, expectedVersion?: number): Promise<CaseView> {
  const { c, units } = await visibleCase(ctx, principal, id);
  if (expectedVersion !== undefined && expectedVersion !== c.version) {
    throw new Problem('CY_CONFLICT', `case ${c.number} is at version ${c.version}, not ${expectedVersion}; reload it`, undefined, { currentVersion: c.version });
  }
  const now = ctx.clock();
  const actor = actorOf(principal, c, units);
  const outcome = transition(c, cmd, actor, now);
  if (!outcome.ok) {
    throw new Problem(outcome.status === 403 ? 'CY_FORBIDDEN' : 'CY_CONFLICT', outcome.reason, undefined, { allowedActions: outcome.allowed, currentVersion: c.version });
  }
  await validateCommand(ctx, principal, c, cmd, units);
  const ref = await reference(ctx);
  const next: Case = {
    ...c, ...outcome.next, version: c.version + 1, updatedAt: now.toISOString(),
    ...(cmd.action === 'evaluate' ? { satisfactionComment: cmd.comment ?? null } : {}),
  };
  // 受理 is where an operator confirms or corrects what was reported; corrections re-route and re-time it.
  const corrected = cmd.action === 'accept' && (
    (cmd.categoryCode !== undefined && cmd.categoryCode !== c.categoryCode) || (cmd.urgency !== undefined && cmd.urgency !== c.urgency)
    || (cmd.appealType !== undefined && cmd.appealType !== c.appealType));
  if (cmd.action === 'accept' && corrected) {
    if (cmd.categoryCode !== undefined && cmd.categoryCode !== c.categoryCode) {
      next.categoryCode = cmd.categoryCode;
      next.domain = categoryByCode(cmd.categoryCode)?.domain ?? next.domain;
      const zone = ctx.city.zones.find((z) => z.streetCodes.includes(c.streetCode));
      const chain = [c.communityCode, c.streetCode, ...(zone ? [zone.code] : []), c.districtCode, '500000'];
      const recommended = recommendUnit(ref, cmd.categoryCode, chain, ctx.today());
      next.recommendedUnitId = recommended?.unitId ?? null;
      next.routingRuleId = recommended?.ruleId ?? null;
    }
    next.urgency = cmd.urgency ?? next.urgency;
    next.appealType = cmd.appealType ?? next.appealType;
  }
  const recompute = outcome.effects.some((e) => e.type === 'recomputeSla');
  const saved = await ctx.db.transaction(async (tx) => {
    if (recompute) {
      const startedAt = c.sla?.startedAt ?? c.createdAt;
      const pauses = await store.suspensionsSince(tx, c.id, startedAt);
      if (cmd.action === 'suspend' || cmd.action === 'resume') pauses.push({ type: cmd.action, at: now });
      next.sla = planSla(next, c.sla, pauses, now, ref.sla, corrected);
      next.dueAt = next.sla?.dueAt ?? null;
    }
    if (!(await store.updateCase(tx, next, c.version))) {
      throw new Problem('CY_CONFLICT', `case ${c.number} was changed by someone else; reload it`, undefined, { currentVersion: c.version + 1 });
    }
    await store.appendEvent(tx, c.id, {
      at: now.toISOString(), action: cmd.action, fromStatus: c.status, toStatus: next.status, actorUserId: principal.user.id,
      actorUnitId: principal.unit?.id ?? null, note: noteOf(cmd), data: commandData(cmd),
    });
    if (recompute) {
      const fired = next.sla?.stage ? await store.firedTimerKinds(tx, c.id, clockRunOf(next.sla)) : new Set<string>();
      await store.replaceTimers(tx, c.id, timersFor(next, next.sla, now, ref.sla, ctx.newId, fired));
    }
    for (const effect of outcome.effects) await runEffect(ctx, tx, effect, next, principal, now, requestId);
    await appendAudit(tx, {
      at: now, actor: principal.user.id, action: `case.${cmd.action}`, entityType: 'case', entityId: c.id,
      before: { status: c.status, version: c.version, ownerUnitId: c.ownerUnitId, assigneeUnitId: c.assigneeUnitId, dueAt: c.dueAt },
      after: { status: next.status, version: next.version, ownerUnitId: next.ownerUnitId, assigneeUnitId: next.assigneeUnitId, dueAt: next.dueAt, command: cmd },
      requestId,
    });
    return next;
  });
  ctx.bus.publish(caseEvent(ctx, `case.${cmd.action}`, saved, { action: cmd.action, actionName: ACTION_ZH[cmd.action], by: principal.unit?.id ?? null }));
  return view(ctx, principal, saved, units);
}

function commandData(cmd: Command): Record<string, unknown> | null {
  const { action: _a, ...rest } = cmd as Command & Record<string, unknown>;
  delete rest.note;
  delete rest.reason;
  return Object.keys(rest).length ? rest : null;
}

async function runEffect(ctx: AppContext, tx: Queryable, effect: Effect, c: Case, principal: Principal, now: Date, requestId: string): Promise<void> {
  switch (effect.type) {
    case 'recomputeSla':
      return;
    case 'notifyUnits':
      if (effect.unitIds.length) {
        await notifyUsers(tx, { unitIds: effect.unitIds, at: now, kind: 'case.action', title: `${effect.title}: ${c.number}`, body: c.title, subject: { type: 'case', id: c.id } });
      }
      return;
    case 'notifyReporter':
      if (c.reporterUserId) {
        await notifyUsers(tx, { userIds: [c.reporterUserId], at: now, kind: 'case.progress', title: effect.title, body: `${c.number} ${c.title}`, subject: { type: 'case', id: c.id } });
      }
      return;
    case 'supervision':
      await store.insertSupervision(tx, {
        id: ctx.newId('sup'), caseId: c.id, at: now.toISOString(), kind: 'manual', tier: principal.unit?.tier ?? 'city',
        unitId: principal.unit?.id ?? '', byUserId: principal.user.id, note: effect.note,
      });
      return;
    case 'closeMerged':
      for (const dup of await store.casesMergedInto(tx, c.id)) {
        const closed: Case = { ...dup, status: 'closed', version: dup.version + 1, closedAt: now.toISOString(), updatedAt: now.toISOString(), dueAt: null, sla: dup.sla && { ...dup.sla, stage: null, dueAt: null, warnAt: null } };
        if (!(await store.updateCase(tx, closed, dup.version))) throw new Problem('CY_CONFLICT', `merged case ${dup.number} changed meanwhile; retry`);
        await store.appendEvent(tx, dup.id, { at: now.toISOString(), action: 'close-merged', fromStatus: dup.status, toStatus: 'closed', actorUserId: principal.user.id, actorUnitId: principal.unit?.id ?? null, note: `随主案 ${c.number} 结案`, data: { masterId: c.id } });
        await store.replaceTimers(tx, dup.id, []);
        if (dup.reporterUserId) {
          await notifyUsers(tx, { userIds: [dup.reporterUserId], at: now, kind: 'case.progress', title: '您反映的问题已办结, 请评价', body: `${dup.number} 已随 ${c.number} 一并办结`, subject: { type: 'case', id: dup.id } });
        }
        await appendAudit(tx, { at: now, actor: principal.user.id, action: 'case.close-merged', entityType: 'case', entityId: dup.id, before: { status: dup.status }, after: { status: 'closed', masterId: c.id }, requestId });
      }
      return;
  }
}

/** Operators' corrections (re-categorised, or returned/transferred then dispatched again) as training labels for triage. */
export function correctedCaseLabels(db: Queryable, limit: number): Promise<store.CorrectionRow[]> {
  return store.correctedCases(db, limit);
}

export type { CaseStatus };


/** Open cases in a box created since a time, for each query: the duplicate search at intake (重复件). */
export function openCasesNear(ctx: AppContext, queries: readonly store.NearQuery[], limit: number): Promise<store.OpenCaseSummary[][]> {
  return store.openCasesNear(ctx.db, queries, limit);
}

/** The descriptions of these cases, by id (a description never changes after intake). */
export function caseDescriptions(ctx: AppContext, ids: readonly string[]): Promise<Map<string, string>> {
  return store.descriptionsOf(ctx.db, ids);
}

/**
 * Cases this node has just created, as written, so the work that follows each intake (triage)
 * need not read them back: taken once each, and only while fresh (within FRESH_MS, before any
 * action could have changed them much); the oldest go when too many wait.
 */
const justCreated = new WeakMap<AppContext, Map<string, { c: Case; atMs: number }>>();
const JUST_CREATED_KEPT = 10_000;
const FRESH_MS = 2_000;

function rememberCreated(ctx: AppContext, c: Case): void {
  let kept = justCreated.get(ctx);
  if (!kept) justCreated.set(ctx, (kept = new Map()));
  if (kept.size >= JUST_CREATED_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(c.id, { c, atMs: Date.now() });
}

/**
 * Cases by id, in no particular order (those that exist), for other features' background work
 * (no caller, so no jurisdiction check): those this node has just created from memory, the rest
 * from the database.
 */
export async function casesByIds(ctx: AppContext, ids: readonly string[]): Promise<Case[]> {
  const kept = justCreated.get(ctx);
  const now = Date.now();
  const found: Case[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const entry = kept?.get(id);
    kept?.delete(id);
    if (entry && now - entry.atMs <= FRESH_MS) found.push(entry.c);
    else missing.push(id);
  }
  return missing.length ? [...found, ...(await store.getCases(ctx.db, missing))] : found;
}

/** Counts for the demand map (需求图谱); the caller checked the jurisdiction and passes its streets. */
export function demandCounts(ctx: AppContext, filter: store.DemandFilter): ReturnType<typeof store.demandCounts> {
  return store.demandCounts(ctx.db, filter);
}

/** The cases among `ids` the caller may see. */
export async function visibleCases(ctx: AppContext, principal: Principal, ids: readonly string[]): Promise<Map<string, Case>> {
  const [rows, units] = await Promise.all([store.getCases(ctx.db, [...new Set(ids)]), unitDirectory(ctx)]);
  return new Map(rows.filter((c) => canSee(principal, c, units)).map((c) => [c.id, c]));
}

// ---------------------------------------------------------------------------------------------
// Public reads, for feeds without a signed-in caller (the Open311 GeoReport endpoint).

/** 举报 (whistle-blowing) cases stay confidential: the law protects whoever reported them. */
export const CONFIDENTIAL_APPEAL_TYPES: readonly AppealType[] = ['report'];

export type PublicCaseQuery = Omit<store.PublicCaseFilter, 'excludeAppealTypes' | 'categorisedOnly'>;

/**
 * Cases anyone may look up, newest first: every categorised case except confidential ones.
 * They are views without a principal (phone masked, no actions); callers pick the public fields.
 */
export async function listPublicCaseViews(ctx: AppContext, query: PublicCaseQuery): Promise<CaseView[]> {
  const [rows, units] = await Promise.all([
    store.listPublicCases(ctx.db, { ...query, excludeAppealTypes: [...CONFIDENTIAL_APPEAL_TYPES], categorisedOnly: true }),
    unitDirectory(ctx),
  ]);
  return rows.map((c) => view(ctx, null, c, units));
}

/** The latest note of each case written with one of `actions` (for public status notes). */
export function latestCaseNotes(ctx: AppContext, caseIds: readonly string[], actions: readonly string[]): Promise<Map<string, store.CaseNote>> {
  return store.latestNotes(ctx.db, caseIds, actions);
}
