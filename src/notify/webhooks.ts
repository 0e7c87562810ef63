/**
 * Webhook subscriptions (出站推送), managed by admins of the city center. Every change is
 * audited without the secret, which is write-only.
 */
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { Problem, notFound } from '../http/errors.ts';
import type { Principal } from '../org/model.ts';
import * as store from './store.ts';
import type { DeliveryRecord, Webhook } from './store.ts';
import { webhooksChanged } from './hub.ts';
import { urlProblem } from './webhook-rules.ts';

export interface Actor { principal: Principal; requestId: string }

export interface NewWebhookInput { url: string; eventTypes: string[]; secret: string; divisionCode?: string; active?: boolean }
export interface WebhookPatch { url?: string; eventTypes?: string[]; secret?: string; divisionCode?: string | null; active?: boolean }

/** Outbound pushes leave the platform for the whole city, so only the city tier configures them. */
export function requireCityAdmin(principal: Principal): void {
  if (principal.user.role !== 'admin' || principal.unit?.tier !== 'city') {
    throw new Problem('CY_FORBIDDEN', 'webhooks are managed by admins of the city center');
  }
}

function checkUrl(url: string): void {
  const problem = urlProblem(url);
  if (problem) throw new Problem('CY_VALIDATION', problem, [{ pointer: '/body/url', message: problem }]);
}

function checkDivision(ctx: AppContext, code: string | null | undefined): void {
  if (code && !ctx.city.tree.at(code, ctx.today())) throw new Problem('CY_UNPROCESSABLE', `division ${code} does not exist today`);
}

const unique = (values: readonly string[]) => [...new Set(values)];

export async function listWebhooks(ctx: AppContext, principal: Principal): Promise<Webhook[]> {
  requireCityAdmin(principal);
  return store.listWebhooks(ctx.db);
}

export async function getWebhook(ctx: AppContext, principal: Principal, id: string): Promise<Webhook> {
  requireCityAdmin(principal);
  const webhook = await store.getWebhook(ctx.db, id);
  if (!webhook) throw notFound('webhook', id);
  return webhook;
}

export async function createWebhook(ctx: AppContext, actor: Actor, input: NewWebhookInput): Promise<Webhook> {
  requireCityAdmin(actor.principal);
  checkUrl(input.url);
  checkDivision(ctx, input.divisionCode);
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const webhook = await store.insertWebhook(tx, {
      id: ctx.newId('whk'), url: input.url, eventTypes: unique(input.eventTypes), secret: input.secret,
      divisionCode: input.divisionCode ?? null, active: input.active ?? true, createdBy: actor.principal.user.id,
    }, now);
    await appendAudit(tx, { at: now, actor: actor.principal.user.id, action: 'webhook.create', entityType: 'webhook', entityId: webhook.id, after: webhook, requestId: actor.requestId });
    return webhook;
  }).finally(() => webhooksChanged(ctx));
}

export async function updateWebhook(ctx: AppContext, actor: Actor, id: string, patch: WebhookPatch): Promise<Webhook> {
  const before = await getWebhook(ctx, actor.principal, id);
  if (patch.url !== undefined) checkUrl(patch.url);
  checkDivision(ctx, patch.divisionCode);
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const after = await store.updateWebhook(tx, id, { ...patch, eventTypes: patch.eventTypes && unique(patch.eventTypes) }, now);
    if (!after) throw notFound('webhook', id);
    const cancelled = before.active && !after.active ? await store.cancelPendingDeliveries(tx, id, now) : 0;
    await appendAudit(tx, {
      at: now, actor: actor.principal.user.id, action: 'webhook.update', entityType: 'webhook', entityId: id, before,
      after: { ...after, secretChanged: patch.secret !== undefined, ...(cancelled ? { cancelledDeliveries: cancelled } : {}) },
      requestId: actor.requestId,
    });
    return after;
  }).finally(() => webhooksChanged(ctx));
}

/** Removes a subscription with its delivery history; the audit log keeps what it was. */
export async function deleteWebhook(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const before = await getWebhook(ctx, actor.principal, id);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await store.deleteWebhook(tx, id))) throw notFound('webhook', id);
    await appendAudit(tx, { at: now, actor: actor.principal.user.id, action: 'webhook.delete', entityType: 'webhook', entityId: id, before, requestId: actor.requestId });
  }).finally(() => webhooksChanged(ctx));
}

export async function listDeliveries(ctx: AppContext, principal: Principal, id: string, limit: number, after: string | null): Promise<{ items: DeliveryRecord[]; next: string | null }> {
  await getWebhook(ctx, principal, id);
  const items = await store.listDeliveries(ctx.db, id, limit, after);
  return { items, next: items.length === limit ? items[items.length - 1].id : null };
}
