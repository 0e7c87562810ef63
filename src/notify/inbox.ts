/**
 * The inbox (站内信): notifications addressed to people, written by other features inside
 * their own transaction, read only by their addressee.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { notFound } from '../http/errors.ts';
import { newId } from '../ids.ts';
import type { Principal } from '../org/model.ts';
import type { Queryable } from '../storage/db.ts';
import * as store from './store.ts';
import type { Notification } from './store.ts';
import { activeUsers } from '../org/service.ts';

export interface NotifyInput {
  /** Addressed people … */
  userIds?: readonly string[];
  /** … and every enabled account of these units (a center's duty desk, a department). */
  unitIds?: readonly string[];
  at: Date;
  /** Machine-readable reason, e.g. 'case.dispatched', 'case.overdue'. */
  kind: string;
  title: string;
  body: string;
  /** What the notification is about, so the client can link to it. */
  subject?: { type: string; id: string } | null;
}

/**
 * Adds one notification per recipient, inside the caller's transaction so a notice exists
 * exactly when the change it reports was committed. Disabled and unknown accounts are skipped;
 * a person named twice (directly and through a unit) is notified once. Returns the recipients.
 */
export async function notifyUsers(tx: Queryable, input: NotifyInput): Promise<string[]> {
  const [recipients] = await notifyMany(tx, [input]);
  return recipients;
}

/** Several notices (each to its own people and units) with one read and one write. */
export async function notifyMany(tx: Queryable, inputs: readonly NotifyInput[]): Promise<string[][]> {
  const recipients = await recipientsOf(tx, inputs);
  await deliverNotices(tx, inputs, recipients);
  return recipients;
}

/** Who each notice goes to (one read for the lot): the enabled accounts named or in the units named. */
export async function recipientsOf(db: Queryable, inputs: readonly Pick<NotifyInput, 'userIds' | 'unitIds'>[]): Promise<string[][]> {
  const userIds = new Set(inputs.flatMap((i) => i.userIds ?? []));
  const unitIds = new Set(inputs.flatMap((i) => i.unitIds ?? []));
  if (userIds.size === 0 && unitIds.size === 0) return inputs.map(() => []);
  const users = await activeUsers(db, [...userIds], [...unitIds]);
  return inputs.map((input) => {
    const named = new Set(input.userIds ?? []);
    const units = new Set(input.unitIds ?? []);
    return users.filter((u) => named.has(u.id) || (u.unitId !== null && units.has(u.unitId))).map((u) => u.id);
  });
}

/** Writes each notice to the recipients found for it by recipientsOf, in the caller's transaction. */
export async function deliverNotices(tx: Queryable, inputs: readonly NotifyInput[], recipients: readonly (readonly string[])[]): Promise<void> {
  await store.insertNotifications(tx, inputs.flatMap((input, i) => recipients[i].map((userId) => ({
    id: newId('ntf'), userId, at: input.at, kind: input.kind, title: input.title, body: input.body, subject: input.subject ?? null,
  }))));
}

export interface Actor { principal: Principal; requestId: string }

export async function listInbox(
  ctx: AppContext, principal: Principal, filter: { unreadOnly: boolean; limit: number; after: string | null },
): Promise<{ items: Notification[]; next: string | null; unread: number }> {
  const items = await store.listNotifications(ctx.db, principal.user.id, filter);
  const unread = await store.countUnread(ctx.db, principal.user.id);
  return { items, next: items.length === filter.limit ? items[items.length - 1].id : null, unread };
}

/** Marks one of the user's own notifications read; anyone else's answers 404 like a missing one. */
export async function readNotification(ctx: AppContext, actor: Actor, id: string): Promise<Notification> {
  const userId = actor.principal.user.id;
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const read = await store.markRead(tx, userId, id, now);
    if (!read) {
      // Already read (unchanged, nothing to record) or not theirs.
      const existing = await store.getNotification(tx, userId, id);
      if (!existing) throw notFound('notification', id);
      return existing;
    }
    await appendAudit(tx, { at: now, actor: userId, action: 'inbox.read', entityType: 'notification', entityId: id, after: { readAt: read.readAt }, requestId: actor.requestId });
    return read;
  });
}

export async function readAll(ctx: AppContext, actor: Actor): Promise<number> {
  const userId = actor.principal.user.id;
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const count = await store.markAllRead(tx, userId, now);
    if (count > 0) {
      await appendAudit(tx, { at: now, actor: userId, action: 'inbox.read_all', entityType: 'user', entityId: userId, after: { marked: count }, requestId: actor.requestId });
    }
    return count;
  });
}
