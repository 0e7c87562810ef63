/**
 * API keys of third-party apps (第三方应用) for Open311 intake. The city center's
 * administrators issue and revoke them; a key is random, shown once, and kept only as its
 * SHA-256 (it has the entropy of a token, so a slow password hash would buy nothing).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { Problem, notFound } from '../http/errors.ts';
import type { Principal } from '../org/model.ts';
import * as store from './store.ts';
import type { ApiKey } from './store.ts';

export type { ApiKey };

const hashKey = (plain: string) => createHash('sha256').update(plain, 'utf8').digest('hex');

/** Keys reach every district's intake, so only the city tier may hand them out. */
function requireCityAdmin(principal: Principal): void {
  if (principal.user.role !== 'admin' || principal.unit?.tier !== 'city') {
    throw new Problem('CY_FORBIDDEN', 'Open311 API keys are managed by administrators of the city center');
  }
}

export async function issueKey(ctx: AppContext, principal: Principal, requestId: string, name: string): Promise<ApiKey & { key: string }> {
  requireCityAdmin(principal);
  const plain = `o311_${randomBytes(24).toString('base64url')}`;
  const now = ctx.clock();
  try {
    const key = await ctx.db.transaction(async (tx) => {
      if (await store.activeKeyNamed(tx, name)) throw new Problem('CY_CONFLICT', `an active key is already named ${name}; revoke it first or choose another name`);
      const created = await store.insertKey(tx, { id: ctx.newId('o311key'), name, keyHash: hashKey(plain), createdBy: principal.user.id, at: now });
      await appendAudit(tx, { at: now, actor: principal.user.id, action: 'open311.key.issue', entityType: 'open311_api_key', entityId: created.id, after: created, requestId });
      return created;
    });
    return { ...key, key: plain };
  } catch (error) {
    // Two admins naming a key at once: the partial unique index lets one through.
    if ((error as { code?: string }).code === '23505') throw new Problem('CY_CONFLICT', `an active key is already named ${name}`);
    throw error;
  }
}

export async function listKeys(ctx: AppContext, principal: Principal): Promise<ApiKey[]> {
  requireCityAdmin(principal);
  return store.listKeys(ctx.db);
}

export async function revokeKey(ctx: AppContext, principal: Principal, requestId: string, id: string): Promise<ApiKey> {
  requireCityAdmin(principal);
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const before = await store.getKey(tx, id);
    if (!before) throw notFound('Open311 API key', id);
    const after = await store.revokeKey(tx, id, principal.user.id, now);
    if (!after) throw new Problem('CY_CONFLICT', `key ${id} was already revoked`);
    await appendAudit(tx, { at: now, actor: principal.user.id, action: 'open311.key.revoke', entityType: 'open311_api_key', entityId: id, before, after, requestId });
    return after;
  });
}

/** The active key a client presented, or undefined. */
export function keyFor(ctx: AppContext, plain: string): Promise<ApiKey | undefined> {
  return store.activeKeyByHash(ctx.db, hashKey(plain));
}
