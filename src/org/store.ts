/** SQL for units, users and sign-in tokens. Only this file touches those tables. */
import { createHash, randomBytes } from 'node:crypto';
import { prepared, type Queryable } from '../storage/db.ts';
import type { Role, Unit, User } from './model.ts';

interface UnitRow {
  id: string; kind: Unit['kind']; tier: Unit['tier']; name: string; division_code: string | null; parent_id: string | null;
  scope_include: string[]; scope_exclude: string[]; line: string | null; active: boolean;
}

const toUnit = (r: UnitRow): Unit => ({
  id: r.id, kind: r.kind, tier: r.tier, name: r.name, divisionCode: r.division_code, parentId: r.parent_id,
  scopeInclude: r.scope_include, scopeExclude: r.scope_exclude, line: r.line, active: r.active,
});

interface UserRow {
  id: string; username: string; display_name: string; role: Role; unit_id: string | null; phone: string | null;
  disabled: boolean; password_hash: string; failed_logins: number; locked_until: Date | null;
}

const toUser = (r: UserRow): User => ({
  id: r.id, username: r.username, displayName: r.display_name, role: r.role, unitId: r.unit_id, phone: r.phone, disabled: r.disabled,
});

export async function insertUnits(tx: Queryable, units: readonly Unit[]): Promise<void> {
  // Parents first, so the foreign key holds row by row.
  for (let i = 0; i < units.length; i += 500) {
    const batch = units.slice(i, i + 500);
    await tx.query(
      `insert into unit (id, kind, tier, name, division_code, parent_id, scope_include, scope_exclude, line, active)
       select u.id, u.kind, u.tier, u.name, u.division_code, u.parent_id,
              array(select jsonb_array_elements_text(u.scope_include)), array(select jsonb_array_elements_text(u.scope_exclude)),
              u.line, u.active
         from jsonb_to_recordset($1::jsonb) as u(id text, kind text, tier text, name text, division_code text, parent_id text,
              scope_include jsonb, scope_exclude jsonb, line text, active boolean)`,
      [JSON.stringify(batch.map((u) => ({
        id: u.id, kind: u.kind, tier: u.tier, name: u.name, division_code: u.divisionCode, parent_id: u.parentId,
        scope_include: u.scopeInclude, scope_exclude: u.scopeExclude, line: u.line, active: u.active,
      })))],
    );
  }
}

export async function getUnit(db: Queryable, id: string): Promise<Unit | undefined> {
  const [row] = await db.query<UnitRow>('select * from unit where id = $1', [id]);
  return row && toUnit(row);
}

export async function listUnits(db: Queryable): Promise<Unit[]> {
  return (await db.query<UnitRow>('select * from unit order by id')).map(toUnit);
}

export async function countUnits(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.query<{ key: string; n: number }>(`select kind || ':' || tier as key, count(*)::int as n from unit group by 1`);
  return Object.fromEntries(rows.map((r) => [r.key, r.n]));
}

export interface NewUser {
  id: string; username: string; displayName: string; passwordHash: string; role: Role; unitId: string | null; phone: string | null;
}

export async function insertUser(tx: Queryable, user: NewUser, now: Date): Promise<User> {
  const [row] = await tx.query<UserRow>(
    `insert into app_user (id, username, display_name, password_hash, role, unit_id, phone, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning *`,
    [user.id, user.username, user.displayName, user.passwordHash, user.role, user.unitId, user.phone, now],
  );
  return toUser(row);
}

export async function findUserByName(db: Queryable, username: string): Promise<(User & { passwordHash: string; failedLogins: number; lockedUntil: Date | null }) | undefined> {
  const [row] = await db.query<UserRow>('select * from app_user where username = $1', [username]);
  return row && { ...toUser(row), passwordHash: row.password_hash, failedLogins: row.failed_logins, lockedUntil: row.locked_until };
}

export async function getUser(db: Queryable, id: string): Promise<User | undefined> {
  const [row] = await db.query<UserRow>('select * from app_user where id = $1', [id]);
  return row && toUser(row);
}

export async function listUsersOfUnits(db: Queryable, unitIds: readonly string[] | 'all', limit: number, afterId: string | null): Promise<User[]> {
  const rows = unitIds === 'all'
    ? await db.query<UserRow>('select * from app_user where ($1::text is null or id > $1) order by id limit $2', [afterId, limit])
    : await db.query<UserRow>(
      'select * from app_user where unit_id = any($1::text[]) and ($2::text is null or id > $2) order by id limit $3',
      [unitIds, afterId, limit],
    );
  return rows.map(toUser);
}

export async function updateUser(
  tx: Queryable, id: string, patch: { displayName?: string; role?: Role; unitId?: string; phone?: string | null; disabled?: boolean; passwordHash?: string }, now: Date,
): Promise<User> {
  const [row] = await tx.query<UserRow>(
    `update app_user set
       display_name = coalesce($2, display_name), role = coalesce($3, role), unit_id = coalesce($4, unit_id),
       phone = case when $5::boolean then $6 else phone end, disabled = coalesce($7, disabled),
       password_hash = coalesce($8, password_hash), updated_at = $9
     where id = $1 returning *`,
    [id, patch.displayName ?? null, patch.role ?? null, patch.unitId ?? null, patch.phone !== undefined, patch.phone ?? null,
      patch.disabled ?? null, patch.passwordHash ?? null, now],
  );
  return toUser(row);
}

/**
 * Counts a failed sign-in and locks the account once `maxFailures` is reached, in one
 * statement: concurrent failures (on one node or several) are counted one after another on
 * the row, so a burst of guesses cannot slip past the lock.
 */
export async function recordLoginFailure(tx: Queryable, id: string, maxFailures: number, lockUntil: Date): Promise<{ failedLogins: number; lockedUntil: Date | null }> {
  const [row] = await tx.query<{ failed_logins: number; locked_until: Date | null }>(
    `update app_user set failed_logins = failed_logins + 1,
       locked_until = case when failed_logins + 1 >= $2 then $3 else locked_until end
     where id = $1 returning failed_logins, locked_until`,
    [id, maxFailures, lockUntil],
  );
  return { failedLogins: row.failed_logins, lockedUntil: row.locked_until };
}

/** Clears the failure count of an account that is not locked at `now`; false when it is (a lock set by a concurrent failure). */
export async function recordLoginSuccess(tx: Queryable, id: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    'update app_user set failed_logins = 0, locked_until = null where id = $1 and (locked_until is null or locked_until <= $2) returning id',
    [id, now],
  );
  return rows.length === 1;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues an opaque token; only its hash is stored. */
export async function issueToken(tx: Queryable, userId: string, now: Date, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const token = `cy_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await tx.query('insert into auth_token (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)', [hashToken(token), userId, now, expiresAt]);
  return { token, expiresAt };
}

const RESOLVE_TOKENS = prepared(
  `select auth_token.token_hash, app_user.*, to_jsonb(unit.*) as u
     from auth_token join app_user on app_user.id = auth_token.user_id left join unit on unit.id = app_user.unit_id
    where auth_token.token_hash = any($1::text[]) and auth_token.revoked_at is null and auth_token.expires_at > $2 and not app_user.disabled`,
);

/**
 * The user and unit behind each live token, or undefined when unknown, expired, revoked or
 * disabled; one statement for the lot (concurrent requests share it).
 */
export async function resolveTokens(db: Queryable, tokens: readonly string[], now: Date): Promise<({ user: User; unit: Unit | null } | undefined)[]> {
  const hashes = tokens.map(hashToken);
  const rows = await db.query<UserRow & { token_hash: string; u: UnitRow | null }>(RESOLVE_TOKENS, [[...new Set(hashes)], now]);
  const byHash = new Map(rows.map((row) => [row.token_hash, row]));
  return hashes.map((h) => {
    const row = byHash.get(h);
    return row && { user: toUser(row), unit: row.u ? toUnit(row.u) : null };
  });
}

export async function revokeToken(tx: Queryable, token: string, now: Date): Promise<boolean> {
  const rows = await tx.query('update auth_token set revoked_at = $2 where token_hash = $1 and revoked_at is null returning 1', [hashToken(token), now]);
  return rows.length > 0;
}

export async function revokeTokensOf(tx: Queryable, userId: string, now: Date): Promise<number> {
  const rows = await tx.query('update auth_token set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1', [userId, now]);
  return rows.length;
}

/** Follows a division code replacement (a provisional code made official) in unit anchors and scopes. */
export async function renameDivisionCode(tx: Queryable, from: string, to: string): Promise<number> {
  const rows = await tx.query(
    `update unit set division_code = case when division_code = $1 then $2 else division_code end,
            scope_include = array_replace(scope_include, $1, $2), scope_exclude = array_replace(scope_exclude, $1, $2)
      where division_code = $1 or $1 = any(scope_include) or $1 = any(scope_exclude) returning 1`,
    [from, to],
  );
  return rows.length;
}

/** Enabled accounts among these users and the users of these units (recipients of a notice). */
const ACTIVE_USERS = prepared(
  'select id, unit_id as "unitId" from app_user where (id = any($1::text[]) or unit_id = any($2::text[])) and not disabled order by id',
);

export async function activeUsers(tx: Queryable, userIds: readonly string[], unitIds: readonly string[]): Promise<{ id: string; unitId: string | null }[]> {
  return tx.query<{ id: string; unitId: string | null }>(ACTIVE_USERS, [userIds, unitIds]);
}
