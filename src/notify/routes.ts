/** HTTP routes for live events, the inbox and webhook subscriptions: authorise, validate, delegate. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, bearerToken, principalOf, SECURED } from '../http/auth.ts';
import { Problem } from '../http/errors.ts';
import { DivisionCode, Limit, problems } from '../http/schemas.ts';
import { principalForToken } from '../org/service.ts';
import { EventHub, type StreamOptions } from './hub.ts';
import * as inbox from './inbox.ts';
import { SseConnection } from './sse.ts';
import * as webhooks from './webhooks.ts';

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Cursor = Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The `next` value of the previous page' }));
const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{10,200}$' });
const Timestamp = Type.String({ format: 'date-time' });
const Subject = Type.Object({ type: Type.String(), id: Type.String() });

const NotificationSchema = Type.Object({
  id: Type.String(), at: Timestamp, kind: Type.String(), title: Type.String(), body: Type.String(),
  subject: Type.Union([Subject, Type.Null()]), readAt: Type.Union([Timestamp, Type.Null()]),
});

const WebhookSchema = Type.Object({
  id: Type.String(), url: Type.String(), eventTypes: Type.Array(Type.String()), divisionCode: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(), createdBy: Type.Union([Type.String(), Type.Null()]), createdAt: Timestamp, updatedAt: Timestamp,
}, { description: 'A subscription; its secret is write-only and never shown' });

const DeliverySchema = Type.Object({
  id: Type.String(), eventId: Type.String(), eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')]),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]), createdAt: Timestamp, updatedAt: Timestamp,
  attempts: Type.Array(Type.Object({
    attempt: Type.Integer(), at: Timestamp, durationMs: Type.Integer(),
    statusCode: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]),
  })),
});

const WebhookUrl = Type.String({ minLength: 8, maxLength: 2000, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'Receiver URL, http or https; redirects are not followed' });
const EventTypes = Type.Array(
  Type.String({ pattern: '^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$', maxLength: 100 }),
  { minItems: 1, maxItems: 50, description: "Exact types ('case.created'), prefixes ('case.*') or '*' for all" },
);
const Secret = Type.String({ minLength: 16, maxLength: 200, description: 'Write-only HMAC key: x-chengyun-signature is sha256=hex(HMAC-SHA256(secret, "<x-chengyun-timestamp>.<body>"))' });
const Active = Type.Boolean({ description: 'Pausing cancels pending deliveries' });

const STREAM_DESCRIPTION = [
  'An endless text/event-stream of the domain events your jurisdiction covers (or that name you or your unit).',
  'Each event: `id: <event id>`, `event: <type>` (e.g. case.created), `data: {"id","type","at","subject","payload"}`.',
  'A comment line (`: heartbeat`) comes every 15 s. Reconnect with the Last-Event-ID header (browsers do this themselves)',
  'to get what you missed: replay comes from a bounded buffer of the last 1,000 events, none older than 24 h (kept in memory',
  'and in the event log, so it survives a restart). When your last event is older than that, an `event: reset` arrives instead:',
  'reload what you show. Clients that stop reading are disconnected rather than buffered. Browsers (EventSource cannot set',
  'headers) may pass the token as ?access_token= on this endpoint only.',
].join(' ');

export async function notifyRoutes(app: FastifyInstance, { ctx, stream }: { ctx: AppContext; stream?: Partial<StreamOptions> }) {
  const hub = new EventHub(ctx, stream);
  hub.start();
  app.addHook('preClose', async () => hub.closeStreams());
  app.addHook('onClose', async () => hub.stop());

  /** The stream also takes ?access_token=, since EventSource cannot send an Authorization header. */
  const streamAuth = async (request: FastifyRequest) => {
    const queryToken = (request.query as { access_token?: string }).access_token;
    if (queryToken && !request.headers.authorization) {
      const principal = await principalForToken(ctx, queryToken);
      if (!principal) throw new Problem('CY_UNAUTHENTICATED', 'Token is unknown, expired or revoked');
      request.principal = principal;
      return;
    }
    await app.authenticate(request);
  };

  app.get('/events/stream', {
    // The URL may carry a token: keep it out of the request log.
    logLevel: 'warn',
    preHandler: streamAuth,
    schema: {
      tags: ['events'], summary: 'Live domain events inside your jurisdiction (server-sent events)', description: STREAM_DESCRIPTION,
      security: SECURED,
      querystring: Type.Object({
        access_token: Type.Optional(Token),
        lastEventId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Same as the Last-Event-ID header, for clients that cannot set it' })),
      }, { additionalProperties: false }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 100 })) }),
      response: {
        200: {
          description: 'text/event-stream',
          content: { 'text/event-stream': { schema: Type.String({ description: 'id: …\\nevent: …\\ndata: {json}\\n\\n, repeated' }) } },
        },
        ...problems(400, 401),
      },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const token = bearerToken(request) ?? (request.query as { access_token?: string }).access_token ?? '';
    const header = request.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header.length > 0 ? header : undefined) ?? (request.query as { lastEventId?: string }).lastEventId;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
      'x-content-type-options': 'nosniff',
    });
    request.raw.socket.setNoDelay(true);
    const connection = new SseConnection(res, principal, {
      maxBufferedBytes: hub.options.maxBufferedBytes,
      reauthenticate: () => principalForToken(ctx, token),
    });
    res.on('close', () => hub.detach(connection));
    connection.write('retry: 5000\n: connected\n\n');
    try {
      await hub.attach(connection, lastEventId);
    } catch (error) {
      request.log.error({ err: error }, 'event stream replay failed');
      hub.detach(connection);
      connection.drop();
    }
  });

  app.get('/inbox', {
    preHandler: allow(app),
    schema: {
      tags: ['inbox'], summary: 'Your notifications (站内信), newest first', security: SECURED,
      querystring: Type.Object({ unread: Type.Optional(Type.Boolean({ description: 'Only unread ones' })), limit: Limit, after: Cursor }, { additionalProperties: false }),
      response: {
        200: Type.Object({ items: Type.Array(NotificationSchema), next: Type.Union([Type.String(), Type.Null()]), unread: Type.Integer({ description: 'All your unread notifications' }) }),
        ...problems(400, 401),
      },
    },
  }, async (request) => {
    const q = request.query as { unread?: boolean; limit: number; after?: string };
    return inbox.listInbox(ctx, principalOf(request), { unreadOnly: q.unread === true, limit: q.limit, after: q.after ?? null });
  });

  app.post('/inbox/:id/read', {
    preHandler: allow(app),
    schema: { tags: ['inbox'], summary: 'Mark one of your notifications read', security: SECURED, params: IdParam, response: { 200: NotificationSchema, ...problems(401, 404) } },
  }, async (request) => inbox.readNotification(ctx, { principal: principalOf(request), requestId: request.id }, (request.params as { id: string }).id));

  app.post('/inbox/read-all', {
    preHandler: allow(app),
    schema: { tags: ['inbox'], summary: 'Mark all your notifications read', security: SECURED, response: { 200: Type.Object({ marked: Type.Integer() }), ...problems(401) } },
  }, async (request) => ({ marked: await inbox.readAll(ctx, { principal: principalOf(request), requestId: request.id }) }));

  const cityAdmin = [allow(app, ['admin']), async (request: FastifyRequest) => webhooks.requireCityAdmin(principalOf(request))];
  const actorOf = (request: FastifyRequest) => ({ principal: principalOf(request), requestId: request.id });

  app.get('/webhooks', {
    preHandler: cityAdmin,
    schema: { tags: ['webhooks'], summary: 'Outbound webhook subscriptions (出站推送)', security: SECURED, response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }), ...problems(401, 403) } },
  }, async (request) => ({ items: await webhooks.listWebhooks(ctx, principalOf(request)) }));

  app.post('/webhooks', {
    preHandler: cityAdmin,
    schema: {
      tags: ['webhooks'], summary: 'Subscribe a receiver to events; deliveries are signed POSTs retried with backoff', security: SECURED,
      body: Type.Object({
        url: WebhookUrl, eventTypes: EventTypes, secret: Secret,
        divisionCode: Type.Optional(DivisionCode), active: Type.Optional(Active),
      }, { additionalProperties: false }),
      response: { 201: WebhookSchema, ...problems(400, 401, 403, 422) },
    },
  }, async (request, reply) => reply.status(201).send(await webhooks.createWebhook(ctx, actorOf(request), request.body as webhooks.NewWebhookInput)));

  app.patch('/webhooks/:id', {
    preHandler: cityAdmin,
    schema: {
      tags: ['webhooks'], summary: 'Change a subscription (a new secret applies to the next attempt)', security: SECURED, params: IdParam,
      body: Type.Object({
        url: Type.Optional(WebhookUrl), eventTypes: Type.Optional(EventTypes), secret: Type.Optional(Secret),
        divisionCode: Type.Optional(Type.Union([DivisionCode, Type.Null()])), active: Type.Optional(Active),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: WebhookSchema, ...problems(400, 401, 403, 404, 422) },
    },
  }, async (request) => webhooks.updateWebhook(ctx, actorOf(request), (request.params as { id: string }).id, request.body as webhooks.WebhookPatch));

  app.delete('/webhooks/:id', {
    preHandler: cityAdmin,
    schema: { tags: ['webhooks'], summary: 'Remove a subscription and its delivery history', security: SECURED, params: IdParam, response: { 204: Type.Null(), ...problems(401, 403, 404) } },
  }, async (request, reply) => {
    await webhooks.deleteWebhook(ctx, actorOf(request), (request.params as { id: string }).id);
    return reply.status(204).send();
  });

  app.get('/webhooks/:id/deliveries', {
    preHandler: cityAdmin,
    schema: {
      tags: ['webhooks'], summary: 'Deliveries of a subscription, newest first, with every attempt (status code or error, duration)', security: SECURED, params: IdParam,
      querystring: Type.Object({ limit: Limit, after: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(DeliverySchema), next: Type.Union([Type.String(), Type.Null()]) }), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const q = request.query as { limit: number; after?: string };
    return webhooks.listDeliveries(ctx, principalOf(request), (request.params as { id: string }).id, q.limit, q.after ?? null);
  });
}
