/**
 * The responsibility list as an administered resource: who may see and change which rules,
 * validation against the catalogue, the city model and the organisation, versioning, and
 * storage with audit in one transaction per change.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { categoryByCode, categoryPatternName, isCategoryPattern } from '../categories/catalogue.ts';
import { isCalendarDate } from '../clock.ts';
import { dateOrToday } from '../divisions/service.ts';
import { toWgs84, type Crs } from '../geo/crs.ts';
import { Problem, notFound } from '../http/errors.ts';
import { CITY_CODE } from '../org/derive.ts';
import { jurisdictionOf, type Jurisdiction } from '../org/jurisdiction.ts';
import type { Principal, Tier, Unit } from '../org/model.ts';
import { scopeCovers } from '../org/scope.ts';
import { visibleUnit } from '../org/service.ts';
import type { Queryable } from '../storage/db.ts';
import type { ResponsibilityRule } from './model.ts';
import {
  activeOn, areaChainOf, areaChainOfCode, areaRank, expandUnitTemplate, findRuleConflicts, isUnitTemplate, isZoneCode, selectRule, triageUnitOf,
} from './resolver.ts';
import * as store from './store.ts';
import { templateTier } from './templates.ts';

export interface Actor { principal: Principal; requestId: string }

/** Every version of every rule: what the resolver needs to answer for any date. */
export function loadRules(db: Queryable): Promise<ResponsibilityRule[]> {
  return store.listAllVersions(db);
}

export interface RuleView extends ResponsibilityRule {
  /** The category, 大类 or kind the pattern names. */
  categoryName: string | null;
}

const view = (rule: ResponsibilityRule): RuleView => ({ ...rule, categoryName: categoryPatternName(rule.categoryPattern) ?? null });

type Access = 'within' | 'above';

/**
 * Where an area lies for the caller. A zone is within when the caller covers all of its
 * streets and above when they cover some (a street inside it).
 */
function areaAccess(ctx: AppContext, j: Jurisdiction, areaCode: string, date: string): Access | undefined {
  if (isZoneCode(areaCode)) {
    const zone = ctx.city.zones.find((z) => z.code === areaCode);
    const streets = zone ? zone.streetCodes.filter((s) => ctx.city.tree.at(s, date)) : [];
    const covered = streets.filter((s) => j.covers(s, date)).length;
    return covered === 0 ? undefined : covered === streets.length ? 'within' : 'above';
  }
  if (j.covers(areaCode, date)) return 'within';
  return j.isAbove(areaCode, date) ? 'above' : undefined;
}

/** Today, or, for an area that no longer exists, the first day of the version naming it. */
function accessDate(ctx: AppContext, rule: ResponsibilityRule, today: string): string {
  return isZoneCode(rule.areaCode) || ctx.city.tree.at(rule.areaCode, today) ? today : rule.validFrom;
}

function visibleTo(ctx: AppContext, j: Jurisdiction, rule: ResponsibilityRule, today: string): boolean {
  return areaAccess(ctx, j, rule.areaCode, accessDate(ctx, rule, today)) !== undefined;
}

export type RuleStatus = 'current' | 'closed' | 'all';

export interface RuleFilter { status: RuleStatus; category?: string; area?: string; unitId?: string }

/** The latest version of each rule whose area lies inside or above the caller's jurisdiction. */
export async function listRules(ctx: AppContext, principal: Principal, filter: RuleFilter): Promise<RuleView[]> {
  const j = jurisdictionOf(principal, ctx.city);
  const today = ctx.today();
  const latest = new Map<string, ResponsibilityRule>();
  for (const v of await store.listAllVersions(ctx.db)) latest.set(v.id, v);
  return [...latest.values()]
    .filter((r) => {
      const current = r.validTo === null || r.validTo > today;
      return (filter.status === 'all' || (filter.status === 'current') === current)
        && (!filter.category || r.categoryPattern.startsWith(filter.category) || filter.category.startsWith(r.categoryPattern))
        && (!filter.area || r.areaCode === filter.area)
        && (!filter.unitId || r.unitId === filter.unitId)
        && visibleTo(ctx, j, r, today);
    })
    .sort((a, b) => (areaRank(a.areaCode) ?? 0) - (areaRank(b.areaCode) ?? 0) || a.areaCode.localeCompare(b.areaCode) || a.categoryPattern.localeCompare(b.categoryPattern))
    .map(view);
}

/** A rule's versions, oldest first; 404 when unknown or its area lies outside the caller's reach. */
async function visibleVersions(ctx: AppContext, principal: Principal, id: string, mode: 'read' | 'write'): Promise<ResponsibilityRule[]> {
  const versions = await store.versionsOf(ctx.db, id);
  const latest = versions.at(-1);
  if (!latest) throw notFound('responsibility rule', id);
  const j = jurisdictionOf(principal, ctx.city);
  const access = areaAccess(ctx, j, latest.areaCode, accessDate(ctx, latest, ctx.today()));
  if (!access || (mode === 'write' && access !== 'within')) throw notFound('responsibility rule', id);
  return versions;
}

export async function getRule(ctx: AppContext, principal: Principal, id: string): Promise<RuleView & { versions: RuleView[] }> {
  const versions = await visibleVersions(ctx, principal, id, 'read');
  return { ...view(versions[versions.length - 1]), versions: versions.map(view) };
}

export interface RuleInput { categoryPattern: string; areaCode: string; unitId: string; validFrom?: string; note?: string | null }
export type RulePatch = Partial<RuleInput>;

function unprocessable(detail: string, pointer: string): Problem {
  return new Problem('CY_UNPROCESSABLE', detail, [{ pointer, message: detail }]);
}

function checkPattern(pattern: string): void {
  if (!isCategoryPattern(pattern)) throw unprocessable(`unknown category ${pattern}: name a category code, a 大类 code or C, E, H`, '/body/categoryPattern');
}

/** The version's first day: today unless given; never in the past, since cases already routed keep their rule. */
function checkValidFrom(validFrom: string | undefined, today: string, notBefore: string): string {
  const date = validFrom ?? (notBefore > today ? notBefore : today);
  if (!isCalendarDate(date)) throw new Problem('CY_VALIDATION', `${date} is not a calendar date`, [{ pointer: '/body/validFrom', message: 'must be a real YYYY-MM-DD date' }]);
  if (date < today) throw unprocessable(`validFrom ${date} is in the past; a change takes effect today (${today}) or later`, '/body/validFrom');
  if (date < notBefore) throw unprocessable(`validFrom ${date} is before the current version's start ${notBefore}`, '/body/validFrom');
  return date;
}

/** The area must exist on the version's first day and lie inside the caller's jurisdiction (404 otherwise, like an unknown id). */
function checkArea(ctx: AppContext, j: Jurisdiction, areaCode: string, date: string): string[] {
  const chain = areaChainOfCode(ctx.city, areaCode, date);
  const level = isZoneCode(areaCode) ? 'zone' : ctx.city.tree.at(areaCode, date)?.level;
  if (chain.length === 0 || areaRank(areaCode) === undefined || (level === 'city' && areaCode !== CITY_CODE)) {
    throw unprocessable(`unknown area ${areaCode} on ${date}: name a district, street or community code, a management zone or ${CITY_CODE}`, '/body/areaCode');
  }
  if (areaAccess(ctx, j, areaCode, date) !== 'within') throw notFound('area', areaCode);
  return chain;
}

/** Streets (or the division itself) a unit must cover to serve the area. */
function areaParts(ctx: AppContext, areaCode: string, date: string): string[][] {
  if (!isZoneCode(areaCode)) return [areaChainOfCode(ctx.city, areaCode, date)];
  const zone = ctx.city.zones.find((z) => z.code === areaCode)!;
  return zone.streetCodes.filter((s) => ctx.city.tree.at(s, date)).map((s) => ctx.city.tree.ancestors(s, date).map((d) => d.code));
}

/** A template the organisation can fill, or an active unit the caller works with that serves the whole area; gives the unit's tier. */
async function checkUnit(ctx: AppContext, principal: Principal, unitId: string, areaCode: string, date: string): Promise<Tier> {
  if (isUnitTemplate(unitId)) {
    const tier = templateTier(unitId);
    if (!tier) throw unprocessable(`unknown unit template ${unitId}: use C-{street}, C-{district} or D-{district}-<line>`, '/body/unitId');
    return tier;
  }
  let unit: Unit;
  try {
    unit = await visibleUnit(ctx, principal, unitId);
  } catch (error) {
    if (error instanceof Problem && error.code === 'CY_NOT_FOUND') throw unprocessable(`unknown unit ${unitId}`, '/body/unitId');
    throw error;
  }
  if (!unit.active) throw unprocessable(`unit ${unitId} is not active`, '/body/unitId');
  if (!areaParts(ctx, areaCode, date).every((chain) => scopeCovers(unit, chain))) {
    throw unprocessable(`unit ${unitId} does not serve all of area ${areaCode}`, '/body/unitId');
  }
  return unit.tier;
}

/** Refuses a version that would tie with another rule's for the same pattern and area. */
async function checkNoConflict(tx: Queryable, candidate: ResponsibilityRule): Promise<void> {
  const others = (await store.versionsInSlot(tx, candidate.categoryPattern, candidate.areaCode)).filter((v) => v.id !== candidate.id);
  const clash = findRuleConflicts([...others, candidate]).find((c) => c.a === candidate || c.b === candidate);
  if (clash) {
    const other = clash.a === candidate ? clash.b : clash.a;
    throw new Problem('CY_CONFLICT', `rule ${other.id} already gives ${candidate.categoryPattern} in ${candidate.areaCode} from ${clash.from}${clash.to ? ` to ${clash.to}` : ''}; change that rule instead`);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

async function write<T>(ctx: AppContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction(async (tx) => {
      await store.lockRuleWrites(tx);
      return fn(tx);
    });
  } catch (error) {
    // The lock makes this rare; the unique indexes still have the last word.
    if (isUniqueViolation(error)) throw new Problem('CY_CONFLICT', 'another rule already gives this pattern for this area');
    throw error;
  }
}

export async function createRule(ctx: AppContext, actor: Actor, input: RuleInput): Promise<RuleView> {
  const today = ctx.today();
  checkPattern(input.categoryPattern);
  const validFrom = checkValidFrom(input.validFrom, today, today);
  checkArea(ctx, jurisdictionOf(actor.principal, ctx.city), input.areaCode, validFrom);
  const tier = await checkUnit(ctx, actor.principal, input.unitId, input.areaCode, validFrom);
  const now = ctx.clock();
  const id = ctx.newId('rr');
  return write(ctx, async (tx) => {
    const candidate: ResponsibilityRule = {
      id, version: 1, categoryPattern: input.categoryPattern, areaCode: input.areaCode, unitId: input.unitId, tier,
      validFrom, validTo: null, note: input.note ?? null, createdAt: now.toISOString(), createdBy: actor.principal.user.id,
    };
    await checkNoConflict(tx, candidate);
    const [created] = await store.insertVersions(tx, [{ ...candidate, createdAt: now }]);
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: 'responsibility_rule.create', entityType: 'responsibility_rule', entityId: id,
      after: created, requestId: actor.requestId,
    });
    return view(created);
  });
}

/** The open version, or 409 when the rule was deleted. */
function openVersion(versions: readonly ResponsibilityRule[], id: string): ResponsibilityRule {
  const current = versions[versions.length - 1];
  if (current.validTo !== null) throw new Problem('CY_CONFLICT', `responsibility rule ${id} was closed on ${current.validTo}; create a new rule`);
  return current;
}

/** Closes the current version and opens the next one with the changes. */
export async function updateRule(ctx: AppContext, actor: Actor, id: string, patch: RulePatch): Promise<RuleView> {
  const today = ctx.today();
  const current = openVersion(await visibleVersions(ctx, actor.principal, id, 'write'), id);
  const next = { categoryPattern: current.categoryPattern, areaCode: current.areaCode, unitId: current.unitId, note: current.note, ...patch };
  checkPattern(next.categoryPattern);
  const validFrom = checkValidFrom(patch.validFrom, today, current.validFrom);
  checkArea(ctx, jurisdictionOf(actor.principal, ctx.city), next.areaCode, validFrom);
  const tier = await checkUnit(ctx, actor.principal, next.unitId, next.areaCode, validFrom);
  const now = ctx.clock();
  return write(ctx, async (tx) => {
    const closed = await store.closeVersion(tx, id, current.version, validFrom);
    if (!closed) throw new Problem('CY_CONFLICT', `responsibility rule ${id} changed meanwhile; read it again`);
    const candidate: ResponsibilityRule = {
      id, version: current.version + 1, categoryPattern: next.categoryPattern, areaCode: next.areaCode, unitId: next.unitId, tier,
      validFrom, validTo: null, note: next.note ?? null, createdAt: now.toISOString(), createdBy: actor.principal.user.id,
    };
    await checkNoConflict(tx, candidate);
    const [created] = await store.insertVersions(tx, [{ ...candidate, createdAt: now }]);
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: 'responsibility_rule.update', entityType: 'responsibility_rule', entityId: id,
      before: current, after: created, requestId: actor.requestId,
    });
    return view(created);
  });
}

/** Closes the current version today (or at its start, when it had not begun yet); the history stays. */
export async function deleteRule(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const today = ctx.today();
  const current = openVersion(await visibleVersions(ctx, actor.principal, id, 'write'), id);
  const validTo = current.validFrom > today ? current.validFrom : today;
  const now = ctx.clock();
  await write(ctx, async (tx) => {
    const closed = await store.closeVersion(tx, id, current.version, validTo);
    if (!closed) throw new Problem('CY_CONFLICT', `responsibility rule ${id} changed meanwhile; read it again`);
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: 'responsibility_rule.delete', entityType: 'responsibility_rule', entityId: id,
      before: current, after: closed, requestId: actor.requestId,
    });
  });
}

export interface ResolveQuery { category: string; lon?: number; lat?: number; crs: Crs; area?: string; date?: string }

export interface Resolution {
  date: string;
  category: { code: string; name: string };
  /** Area codes the answer was looked up with, most specific first. */
  areaChain: string[];
  /** The unit grid the point fell in (point queries only). */
  gridCode: string | null;
  /** Whether the place lies inside the caller's jurisdiction. */
  inJurisdiction: boolean;
  rule: RuleView | null;
  /** The responsible unit; null when no rule applies or the rule needs a finer place (C-{street} asked for a district). */
  unitId: string | null;
  /** Where the case goes when the list gives no unit: the district-level center's triage queue. */
  triageUnitId: string;
}

/** The unit the list gives for a category at a point or in a division (as of a date, default today). */
export async function resolve(ctx: AppContext, principal: Principal, q: ResolveQuery): Promise<Resolution> {
  const category = categoryByCode(q.category);
  if (!category) throw new Problem('CY_UNPROCESSABLE', `unknown category ${q.category}`, [{ pointer: '/querystring/category', message: 'not in the category catalogue' }]);
  const hasPoint = q.lon !== undefined || q.lat !== undefined;
  if (hasPoint === (q.area !== undefined) || (hasPoint && (q.lon === undefined || q.lat === undefined))) {
    throw new Problem('CY_VALIDATION', 'give either lon and lat, or area', [{ pointer: '/querystring', message: 'lon and lat, or area' }]);
  }
  const date = dateOrToday(ctx, q.date);
  const j = jurisdictionOf(principal, ctx.city);
  let chain: string[];
  let gridCode: string | null = null;
  let inJurisdiction: boolean;
  if (q.area !== undefined) {
    chain = areaChainOfCode(ctx.city, q.area, date);
    if (chain.length === 0 || !areaAccess(ctx, j, q.area, date)) throw notFound('area', q.area);
    inJurisdiction = areaAccess(ctx, j, q.area, date) === 'within';
  } else {
    const [x, y] = toWgs84(q.lon!, q.lat!, q.crs);
    const location = ctx.city.locate(x, y, date);
    if (!location) throw new Problem('CY_OUT_OF_AREA', `(${q.lon}, ${q.lat}) ${q.crs.toUpperCase()} is not inside any grid of the city on ${date}`);
    chain = areaChainOf(location);
    gridCode = location.grid.code;
    inJurisdiction = j.covers(location.community.code, date);
  }
  const rules = (await store.listAllVersions(ctx.db)).filter((r) => activeOn(r, date));
  const rule = selectRule(rules, category.code, chain, date);
  return {
    date, category: { code: category.code, name: category.name }, areaChain: chain, gridCode, inJurisdiction,
    rule: rule ? view(rule) : null, unitId: rule ? expandUnitTemplate(rule.unitId, chain) ?? null : null, triageUnitId: triageUnitOf(chain),
  };
}
