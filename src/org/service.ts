/** Sign-in, users and units: the rules, with storage and audit in one transaction per change. */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import type { Queryable } from '../storage/db.ts';
import { Problem, notFound } from '../http/errors.ts';
import { jurisdictionOf } from './jurisdiction.ts';
import type { Principal, Role, Unit, User } from './model.ts';
import { DUMMY_HASH_PROMISE, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import * as store from './store.ts';
import { GroupCommitter } from '../storage/group-commit.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

export interface Actor { principal: Principal | null; requestId: string }

const actorId = (actor: Actor) => actor.principal?.user.id ?? null;

export async function login(ctx: AppContext, username: string, password: string, requestId: string) {
  const now = ctx.clock();
  const user = await store.findUserByName(ctx.db, username);
  if (!user) {
    await verifyPassword(password, await DUMMY_HASH_PROMISE);
    throw new Problem('CY_BAD_CREDENTIALS');
  }
  if (user.lockedUntil && user.lockedUntil > now) {
    throw new Problem('CY_LOCKED', `Too many failed sign-ins; try again after ${user.lockedUntil.toISOString()}`);
  }
  const ok = await verifyPassword(password, user.passwordHash);
  if (!ok || user.disabled) {
    await ctx.db.transaction(async (tx) => {
      const after = await store.recordLoginFailure(tx, user.id, MAX_FAILED_LOGINS, new Date(now.getTime() + LOCKOUT_MINUTES * 60_000));
      await appendAudit(tx, {
        at: now, actor: user.id, action: 'auth.login_failed', entityType: 'user', entityId: user.id,
        after: { failedLogins: after.failedLogins, lockedUntil: after.lockedUntil?.toISOString() ?? null }, requestId,
      });
    });
    throw new Problem('CY_BAD_CREDENTIALS');
  }
  return ctx.db.transaction(async (tx) => {
    // The lock is in the database, so it holds on every node; a guess that was checked while
    // concurrent failures locked the account is refused too.
    if (!(await store.recordLoginSuccess(tx, user.id, now))) throw new Problem('CY_LOCKED', 'Too many failed sign-ins; try again later');
    const issued = await store.issueToken(tx, user.id, now, ctx.config.tokenTtlSeconds);
    await appendAudit(tx, { at: now, actor: user.id, action: 'auth.login', entityType: 'user', entityId: user.id, after: { expiresAt: issued.expiresAt.toISOString() }, requestId });
    const unit = user.unitId ? await store.getUnit(tx, user.unitId) : undefined;
    const { passwordHash: _h, failedLogins: _f, lockedUntil: _l, ...publicUser } = user;
    return { token: issued.token, expiresAt: issued.expiresAt, user: publicUser, unit: unit ?? null };
  });
}

/** Enabled accounts among `userIds` and the users of `unitIds` (with their unit), read inside the caller's transaction. */
export function activeUsers(tx: Queryable, userIds: readonly string[], unitIds: readonly string[]): Promise<{ id: string; unitId: string | null }[]> {
  return store.activeUsers(tx, userIds, unitIds);
}

const tokenLookups = new WeakMap<AppContext, GroupCommitter<string, Principal | undefined>>();

/**
 * The user and unit behind a live bearer token, or undefined. Every request asks this, so the
 * lookups of requests arriving together go to the database as one statement; nothing is cached,
 * so a sign-out or a disabled account takes effect on the next request, on every node.
 */
export function principalForToken(ctx: AppContext, token: string): Promise<Principal | undefined> {
  let lookups = tokenLookups.get(ctx);
  if (!lookups) {
    lookups = new GroupCommitter((tokens) => store.resolveTokens(ctx.db, tokens, ctx.clock()), { maxBatch: 128, concurrency: 2 });
    tokenLookups.set(ctx, lookups);
  }
  return lookups.submit(token);
}

export async function logout(ctx: AppContext, token: string, actor: Actor): Promise<void> {
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (await store.revokeToken(tx, token, now)) {
      await appendAudit(tx, { at: now, actor: actorId(actor), action: 'auth.logout', entityType: 'user', entityId: actorId(actor) ?? '-', requestId: actor.requestId });
    }
  });
}

/** A unit the principal works with, or 404 (also when it exists outside their reach). */
export async function visibleUnit(ctx: AppContext, principal: Principal, id: string): Promise<Unit> {
  const unit = await store.getUnit(ctx.db, id);
  if (!unit || !jurisdictionOf(principal, ctx.city).seesUnit(unit, ctx.today())) throw notFound('unit', id);
  return unit;
}

export async function listVisibleUnits(ctx: AppContext, principal: Principal, filter: { tier?: string; kind?: string; q?: string }): Promise<Unit[]> {
  const j = jurisdictionOf(principal, ctx.city);
  const today = ctx.today();
  return (await store.listUnits(ctx.db)).filter((u) =>
    (!filter.tier || u.tier === filter.tier) && (!filter.kind || u.kind === filter.kind)
    && (!filter.q || u.name.includes(filter.q) || u.id.includes(filter.q))
    && j.seesUnit(u, today));
}

/** A unit whose users the principal may manage, or 404. */
async function managedUnit(ctx: AppContext, principal: Principal, id: string): Promise<Unit> {
  const unit = await visibleUnit(ctx, principal, id);
  if (!jurisdictionOf(principal, ctx.city).managesUnit(unit, ctx.today())) throw notFound('unit', id);
  return unit;
}

/** A user of a unit inside the principal's scope, or 404. */
export async function managedUser(ctx: AppContext, principal: Principal, id: string): Promise<User> {
  const user = await store.getUser(ctx.db, id);
  if (!user || !user.unitId) throw notFound('user', id);
  const unit = await store.getUnit(ctx.db, user.unitId);
  if (!unit || !jurisdictionOf(principal, ctx.city).managesUnit(unit, ctx.today())) throw notFound('user', id);
  return user;
}

export async function listManagedUsers(ctx: AppContext, principal: Principal, limit: number, after: string | null): Promise<User[]> {
  const j = jurisdictionOf(principal, ctx.city);
  const today = ctx.today();
  const units = (await store.listUnits(ctx.db)).filter((u) => j.managesUnit(u, today)).map((u) => u.id);
  return store.listUsersOfUnits(ctx.db, units, limit, after);
}

export interface NewUserInput {
  username: string; displayName: string; password: string; role: Role; unitId?: string; phone?: string;
}

/** Staff roles need a unit; the role must be compatible with the unit's kind. */
function checkRoleForUnit(role: Role, unit: Unit | undefined): void {
  if (role === 'citizen') {
    if (unit) throw new Problem('CY_UNPROCESSABLE', 'citizens do not belong to a unit');
    return;
  }
  if (!unit) throw new Problem('CY_UNPROCESSABLE', `role ${role} needs a unitId`);
  if (role === 'handler' && unit.kind !== 'department' && unit.tier !== 'street') {
    throw new Problem('CY_UNPROCESSABLE', 'handlers belong to a department or a street center');
  }
  if (role === 'grid_worker' && unit.tier !== 'street') {
    throw new Problem('CY_UNPROCESSABLE', 'grid workers belong to a street center');
  }
}

export async function createUser(ctx: AppContext, actor: Actor & { principal: Principal }, input: NewUserInput): Promise<User> {
  const unit = input.unitId ? await managedUnit(ctx, actor.principal, input.unitId) : undefined;
  if (!unit && input.role !== 'citizen') throw new Problem('CY_UNPROCESSABLE', `role ${input.role} needs a unitId`);
  if (!unit && actor.principal.unit?.tier !== 'city') throw new Problem('CY_FORBIDDEN', 'only city-level admins create citizen accounts by hand');
  checkRoleForUnit(input.role, unit);
  const weak = passwordProblem(input.password);
  if (weak) throw new Problem('CY_UNPROCESSABLE', weak);
  if (await store.findUserByName(ctx.db, input.username)) throw new Problem('CY_CONFLICT', `username ${input.username} is taken`);
  const now = ctx.clock();
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    const user = await store.insertUser(tx, {
      id: ctx.newId('usr'), username: input.username, displayName: input.displayName, passwordHash,
      role: input.role, unitId: unit?.id ?? null, phone: input.phone ?? null,
    }, now);
    await appendAudit(tx, { at: now, actor: actorId(actor), action: 'user.create', entityType: 'user', entityId: user.id, after: user, requestId: actor.requestId });
    return user;
  });
}

export interface UserPatch { displayName?: string; role?: Role; unitId?: string; phone?: string | null; disabled?: boolean; password?: string }

export async function updateUser(ctx: AppContext, actor: Actor & { principal: Principal }, id: string, patch: UserPatch): Promise<User> {
  const before = await managedUser(ctx, actor.principal, id);
  const unit = patch.unitId ? await managedUnit(ctx, actor.principal, patch.unitId) : await store.getUnit(ctx.db, before.unitId!);
  checkRoleForUnit(patch.role ?? before.role, unit);
  if (patch.password !== undefined) {
    const weak = passwordProblem(patch.password);
    if (weak) throw new Problem('CY_UNPROCESSABLE', weak);
  }
  if (id === actor.principal.user.id && (patch.disabled || (patch.role && patch.role !== before.role))) {
    throw new Problem('CY_CONFLICT', 'you cannot disable yourself or change your own role');
  }
  const now = ctx.clock();
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
  return ctx.db.transaction(async (tx) => {
    const after = await store.updateUser(tx, id, { ...patch, passwordHash }, now);
    if (patch.disabled || passwordHash) await store.revokeTokensOf(tx, id, now);
    await appendAudit(tx, {
      at: now, actor: actorId(actor), action: passwordHash ? 'user.update+password' : 'user.update', entityType: 'user', entityId: id,
      before, after, requestId: actor.requestId,
    });
    return after;
  });
}
