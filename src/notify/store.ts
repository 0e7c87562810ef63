/** SQL for the event log, the inbox and webhooks. Only this file touches those tables. */
import type { DomainEvent, EventScope } from '../events/bus.ts';
import { prepared, type Queryable } from '../storage/db.ts';

// ── event log ───────────────────────────────────────────────────────────────────────────

interface EventRow {
  seq: number; id: string; type: string; at: Date; subject_type: string; subject_id: string; scope: EventScope; payload: unknown;
}

const toEvent = (r: EventRow): DomainEvent & { seq: number } => ({
  seq: r.seq, id: r.id, type: r.type, at: r.at.toISOString(), subject: { type: r.subject_type, id: r.subject_id }, scope: r.scope, payload: r.payload,
});

// The events as they are, in one JSON parameter; a missing payload is stored as SQL null.
const INSERT_EVENTS = prepared(
  `insert into event_log (id, type, at, subject_type, subject_id, scope, payload, logged_at)
   select e.id, e.type, e.at, e.subject->>'type', e.subject->>'id', e.scope, e.payload, $2
     from rows from (jsonb_to_recordset($1::jsonb) as (id text, type text, at timestamptz, subject jsonb, scope jsonb, payload jsonb))
            with ordinality as e(id, type, at, subject, scope, payload, n)
    order by e.n
   on conflict (id) do nothing returning id`,
);

/**
 * Records events once each, in the order given (one statement for the lot); returns the ids
 * stored now — an event already there (logged by another node) is left out.
 */
export async function insertEvents(tx: Queryable, events: readonly DomainEvent[], loggedAt: Date): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const rows = await tx.query<{ id: string }>(INSERT_EVENTS, [JSON.stringify(events), loggedAt]);
  return new Set(rows.map((r) => r.id));
}

export async function findEvent(db: Queryable, id: string): Promise<{ seq: number; at: Date } | undefined> {
  const [row] = await db.query<{ seq: number; at: Date }>('select seq, at from event_log where id = $1', [id]);
  return row;
}

export async function countEventsAfter(db: Queryable, seq: number): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from event_log where seq > $1', [seq]);
  return row.n;
}

/** Events logged after `seq` that happened at or after `since`, oldest first. */
export async function eventsAfter(db: Queryable, seq: number, since: Date, limit: number): Promise<(DomainEvent & { seq: number })[]> {
  const rows = await db.query<EventRow>('select * from event_log where seq > $1 and at >= $2 order by seq limit $3', [seq, since, limit]);
  return rows.map(toEvent);
}

export async function newestEventId(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>('select id from event_log order by seq desc limit 1');
  return row?.id;
}

/** Forgets events that happened before `before`, with their webhook deliveries. */
export async function pruneEvents(tx: Queryable, before: Date): Promise<number> {
  return (await tx.query('delete from event_log where at < $1 returning 1', [before])).length;
}

// ── inbox ───────────────────────────────────────────────────────────────────────────────

export interface Notification {
  id: string; at: string; kind: string; title: string; body: string;
  subject: { type: string; id: string } | null; readAt: string | null;
}

interface NotificationRow {
  id: string; user_id: string; at: Date; kind: string; title: string; body: string;
  subject_type: string | null; subject_id: string | null; read_at: Date | null;
}

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id, at: r.at.toISOString(), kind: r.kind, title: r.title, body: r.body,
  subject: r.subject_type !== null && r.subject_id !== null ? { type: r.subject_type, id: r.subject_id } : null,
  readAt: r.read_at?.toISOString() ?? null,
});

export interface NewNotification {
  id: string;
  userId: string;
  at: Date;
  kind: string;
  title: string;
  body: string;
  subject: { type: string; id: string } | null;
}

const INSERT_NOTIFICATIONS = prepared(
  `insert into notification (id, user_id, at, kind, title, body, subject_type, subject_id)
   select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
);

export async function insertNotifications(tx: Queryable, rows: readonly NewNotification[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(f: (r: NewNotification) => T) => rows.map(f);
  await tx.query(INSERT_NOTIFICATIONS, [
    column((r) => r.id), column((r) => r.userId), column((r) => r.at), column((r) => r.kind), column((r) => r.title), column((r) => r.body),
    column((r) => r.subject?.type ?? null), column((r) => r.subject?.id ?? null),
  ]);
}

/** A user's notifications, newest first, after the cursor `after` (the last id of the previous page). */
export async function listNotifications(db: Queryable, userId: string, filter: { unreadOnly: boolean; limit: number; after: string | null }): Promise<Notification[]> {
  const rows = await db.query<NotificationRow>(
    `select * from notification
      where user_id = $1 and (not $3::boolean or read_at is null)
        and ($2::text is null or (at, id) < (select c.at, c.id from notification c where c.id = $2 and c.user_id = $1))
      order by at desc, id desc limit $4`,
    [userId, filter.after, filter.unreadOnly, filter.limit],
  );
  return rows.map(toNotification);
}

export async function countUnread(db: Queryable, userId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from notification where user_id = $1 and read_at is null', [userId]);
  return row.n;
}

export async function getNotification(db: Queryable, userId: string, id: string): Promise<Notification | undefined> {
  const [row] = await db.query<NotificationRow>('select * from notification where id = $1 and user_id = $2', [id, userId]);
  return row && toNotification(row);
}

/** Marks one unread notification read; undefined when it is not the user's or was read already. */
export async function markRead(tx: Queryable, userId: string, id: string, at: Date): Promise<Notification | undefined> {
  const [row] = await tx.query<NotificationRow>(
    'update notification set read_at = $3 where id = $1 and user_id = $2 and read_at is null returning *',
    [id, userId, at],
  );
  return row && toNotification(row);
}

export async function markAllRead(tx: Queryable, userId: string, at: Date): Promise<number> {
  return (await tx.query('update notification set read_at = $2 where user_id = $1 and read_at is null returning 1', [userId, at])).length;
}

// ── webhooks ────────────────────────────────────────────────────────────────────────────

/** A subscription as shown to admins: never with its secret. */
export interface Webhook {
  id: string; url: string; eventTypes: string[]; divisionCode: string | null; active: boolean;
  createdBy: string | null; createdAt: string; updatedAt: string;
}

interface WebhookRow {
  id: string; url: string; event_types: string[]; secret: string; division_code: string | null; active: boolean;
  created_by: string | null; created_at: Date; updated_at: Date;
}

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id, url: r.url, eventTypes: r.event_types, divisionCode: r.division_code, active: r.active,
  createdBy: r.created_by, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
});

const WEBHOOK_COLUMNS = 'id, url, event_types, division_code, active, created_by, created_at, updated_at';

export async function insertWebhook(
  tx: Queryable, w: { id: string; url: string; eventTypes: readonly string[]; secret: string; divisionCode: string | null; active: boolean; createdBy: string }, now: Date,
): Promise<Webhook> {
  const [row] = await tx.query<WebhookRow>(
    `insert into webhook (id, url, event_types, secret, division_code, active, created_by, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning ${WEBHOOK_COLUMNS}`,
    [w.id, w.url, w.eventTypes, w.secret, w.divisionCode, w.active, w.createdBy, now],
  );
  return toWebhook(row);
}

export async function getWebhook(db: Queryable, id: string): Promise<Webhook | undefined> {
  const [row] = await db.query<WebhookRow>(`select ${WEBHOOK_COLUMNS} from webhook where id = $1`, [id]);
  return row && toWebhook(row);
}

export async function listWebhooks(db: Queryable): Promise<Webhook[]> {
  return (await db.query<WebhookRow>(`select ${WEBHOOK_COLUMNS} from webhook order by id`)).map(toWebhook);
}

const ACTIVE_WEBHOOKS = prepared('select id, event_types, division_code, active from webhook where active');

/** The filters of active subscriptions, for the hub to match events to. */
export async function activeWebhookFilters(tx: Queryable): Promise<{ id: string; eventTypes: string[]; divisionCode: string | null; active: boolean }[]> {
  const rows = await tx.query<WebhookRow>(ACTIVE_WEBHOOKS);
  return rows.map((r) => ({ id: r.id, eventTypes: r.event_types, divisionCode: r.division_code, active: r.active }));
}

export async function updateWebhook(
  tx: Queryable, id: string,
  patch: { url?: string; eventTypes?: readonly string[]; secret?: string; divisionCode?: string | null; active?: boolean }, now: Date,
): Promise<Webhook | undefined> {
  const [row] = await tx.query<WebhookRow>(
    `update webhook set
       url = coalesce($2, url), event_types = coalesce($3, event_types), secret = coalesce($4, secret),
       division_code = case when $5::boolean then $6 else division_code end, active = coalesce($7, active), updated_at = $8
     where id = $1 returning ${WEBHOOK_COLUMNS}`,
    [id, patch.url ?? null, patch.eventTypes ?? null, patch.secret ?? null, patch.divisionCode !== undefined,
      patch.divisionCode ?? null, patch.active ?? null, now],
  );
  return row && toWebhook(row);
}

export async function deleteWebhook(tx: Queryable, id: string): Promise<boolean> {
  return (await tx.query('delete from webhook where id = $1 returning 1', [id])).length > 0;
}

export async function insertDeliveries(tx: Queryable, rows: readonly { id: string; webhookId: string; eventId: string }[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into webhook_delivery (id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
     select r.id, r.webhook_id, r.event_id, 'pending', $4, $4, $4 from unnest($1::text[], $2::text[], $3::text[]) as r(id, webhook_id, event_id)
     on conflict (webhook_id, event_id) do nothing`,
    [rows.map((r) => r.id), rows.map((r) => r.webhookId), rows.map((r) => r.eventId), now],
  );
}

/** A paused subscription sends nothing it missed when it resumes. */
export async function cancelPendingDeliveries(tx: Queryable, webhookId: string, now: Date): Promise<number> {
  const rows = await tx.query(
    `update webhook_delivery set status = 'cancelled', next_attempt_at = null, updated_at = $2
      where webhook_id = $1 and status = 'pending' returning 1`,
    [webhookId, now],
  );
  return rows.length;
}

export interface DueDelivery {
  id: string; attempts: number; webhookId: string; url: string; secret: string;
  event: { id: string; type: string; at: string; subject: { type: string; id: string }; payload: unknown };
}

/**
 * Claims due deliveries of active subscriptions: rows other workers hold are skipped, and the
 * claimed ones are leased (their next attempt moved to `leaseUntil`) so the HTTP request runs
 * outside any transaction and a crashed worker's deliveries come due again.
 */
export async function claimDueDeliveries(tx: Queryable, now: Date, leaseUntil: Date, limit: number): Promise<DueDelivery[]> {
  const claimed = await tx.query<{ id: string }>(
    `select d.id from webhook_delivery d join webhook w on w.id = d.webhook_id
      where d.status = 'pending' and d.next_attempt_at <= $1 and w.active
      order by d.next_attempt_at, d.id limit $2
      for update of d skip locked`,
    [now, limit],
  );
  if (claimed.length === 0) return [];
  const ids = claimed.map((r) => r.id);
  await tx.query('update webhook_delivery set next_attempt_at = $2, updated_at = $3 where id = any($1::text[])', [ids, leaseUntil, now]);
  const rows = await tx.query<{
    id: string; attempts: number; webhook_id: string; url: string; secret: string;
    event_id: string; type: string; at: Date; subject_type: string; subject_id: string; payload: unknown;
  }>(
    `select d.id, d.attempts, d.webhook_id, w.url, w.secret, e.id as event_id, e.type, e.at, e.subject_type, e.subject_id, e.payload
       from webhook_delivery d join webhook w on w.id = d.webhook_id join event_log e on e.id = d.event_id
      where d.id = any($1::text[]) order by d.next_attempt_at, d.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id, attempts: r.attempts, webhookId: r.webhook_id, url: r.url, secret: r.secret,
    event: { id: r.event_id, type: r.type, at: r.at.toISOString(), subject: { type: r.subject_type, id: r.subject_id }, payload: r.payload },
  }));
}

export interface AttemptOutcome { at: Date; durationMs: number; statusCode: number | null; error: string | null }

/** Records one attempt and the delivery's new state (`nextAt` null with status 'pending' never happens). */
export async function recordAttempt(
  tx: Queryable, deliveryId: string, attempt: number, outcome: AttemptOutcome,
  next: { status: 'pending' | 'delivered' | 'failed'; nextAt: Date | null },
): Promise<void> {
  await tx.query(
    'insert into webhook_attempt (delivery_id, attempt, at, duration_ms, status_code, error) values ($1, $2, $3, $4, $5, $6)',
    [deliveryId, attempt, outcome.at, outcome.durationMs, outcome.statusCode, outcome.error],
  );
  await tx.query(
    `update webhook_delivery set attempts = $2, status = $3, next_attempt_at = $4, updated_at = $5
      where id = $1 and status = 'pending'`,
    [deliveryId, attempt, next.status, next.nextAt, outcome.at],
  );
}

export interface DeliveryRecord {
  id: string; eventId: string; eventType: string; status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  nextAttemptAt: string | null; createdAt: string; updatedAt: string;
  attempts: { attempt: number; at: string; durationMs: number; statusCode: number | null; error: string | null }[];
}

/** A subscription's deliveries, newest first, each with every attempt made. */
export async function listDeliveries(db: Queryable, webhookId: string, limit: number, after: string | null): Promise<DeliveryRecord[]> {
  const rows = await db.query<{
    id: string; event_id: string; type: string; status: DeliveryRecord['status']; next_attempt_at: Date | null; created_at: Date; updated_at: Date;
    attempts: { attempt: number; at: string; duration_ms: number; status_code: number | null; error: string | null }[];
  }>(
    `select d.id, d.event_id, e.type, d.status, d.next_attempt_at, d.created_at, d.updated_at,
            coalesce((select jsonb_agg(jsonb_build_object('attempt', a.attempt, 'at', a.at, 'duration_ms', a.duration_ms,
                        'status_code', a.status_code, 'error', a.error) order by a.attempt)
                        from webhook_attempt a where a.delivery_id = d.id), '[]'::jsonb) as attempts
       from webhook_delivery d join event_log e on e.id = d.event_id
      where d.webhook_id = $1 and ($2::text is null or d.id < $2)
      order by d.id desc limit $3`,
    [webhookId, after, limit],
  );
  return rows.map((r) => ({
    id: r.id, eventId: r.event_id, eventType: r.type, status: r.status,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at?.toISOString() ?? null : null,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    attempts: r.attempts.map((a) => ({
      attempt: a.attempt, at: new Date(a.at).toISOString(), durationMs: a.duration_ms, statusCode: a.status_code, error: a.error,
    })),
  }));
}
