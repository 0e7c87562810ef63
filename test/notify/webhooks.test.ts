import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { deliverDueWebhooks, startWebhookWorker } from '../../src/notify/index.ts';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, eventTypeMatches, nextAttemptAt, urlProblem } from '../../src/notify/webhook-rules.ts';
import type { DomainEvent } from '../../src/events/bus.ts';
import { domainEvent, eventually } from './helpers.ts';

const NOW = '2026-11-20T02:00:00.000Z';
const app = await useTestApp({ now: NOW });
const SECRET = 'whsec-test-0123456789abcdef';
const JIEFANGBEI = '500103003';
const chain = (code: string) => app.ctx.city.tree.ancestors(code, '2026-11-20').map((d) => d.code).reverse();

/** A receiver on 127.0.0.1 answering with the queued status codes (200 when none are queued). */
interface Received { headers: IncomingHttpHeaders; body: string }
const received: Received[] = [];
const answers: number[] = [];
let hang = false;
const receiver: Server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => { body += chunk; });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    if (hang) return;
    res.writeHead(answers.shift() ?? 200).end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/chengyun`;
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const admin = await app.as('admin');
const create = async (payload: Record<string, unknown>, headers = admin) =>
  app.server.inject({ method: 'POST', url: '/api/v1/webhooks', headers, payload });

async function publishAndLog(event: DomainEvent, expectedDeliveries: number): Promise<DomainEvent> {
  app.ctx.bus.publish(event);
  await eventually(async () => (await app.ctx.db.query('select 1 from event_log where id = $1', [event.id])).length > 0);
  const [{ n }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from webhook_delivery where event_id = $1', [event.id]);
  expect(n).toBe(expectedDeliveries);
  return event;
}

const deliveries = async (webhookId: string) =>
  (await app.server.inject({ url: `/api/v1/webhooks/${webhookId}/deliveries`, headers: admin })).json().items as {
    eventId: string; status: string; nextAttemptAt: string | null; attempts: { attempt: number; statusCode: number | null; error: string | null; durationMs: number }[];
  }[];

describe('webhook rules', () => {
  it('matches exact types, prefixes and everything', () => {
    expect(eventTypeMatches(['case.*'], 'case.created')).toBe(true);
    expect(eventTypeMatches(['case.*'], 'cases.created')).toBe(false);
    expect(eventTypeMatches(['case.created'], 'case.created')).toBe(true);
    expect(eventTypeMatches(['case.created'], 'case.created.again')).toBe(false);
    expect(eventTypeMatches(['*'], 'alarm.raised')).toBe(true);
  });

  it('retries after 30 s, 2 min, 10 min, 1 h and 6 h, then gives up', () => {
    const t = new Date(NOW);
    expect(RETRY_DELAYS_MS.map((_, i) => nextAttemptAt(i + 1, t)!.getTime() - t.getTime())).toEqual([30_000, 120_000, 600_000, 3_600_000, 21_600_000]);
    expect(nextAttemptAt(MAX_ATTEMPTS, t)).toBeNull();
  });

  it('accepts only plain http and https URLs', () => {
    expect(urlProblem('https://hooks.example.cn/x')).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/x')).toBeUndefined();
    for (const bad of ['ftp://example.cn/x', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pw@example.cn/', 'not a url']) {
      expect(urlProblem(bad), bad).toBeDefined();
    }
  });
});

describe('webhooks (出站推送)', () => {
  let webhookId: string;

  it('are configured by city-level admins only, and the secret never comes back', async () => {
    const res = await create({ url: receiverUrl, eventTypes: ['case.*', 'case.created'], secret: SECRET, divisionCode: '500103' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ url: receiverUrl, eventTypes: ['case.*', 'case.created'], divisionCode: '500103', active: true });
    webhookId = res.json().id;

    for (const username of ['yuzhong.admin', 'city.operator', 'jiefangbei.operator', 'citizen']) {
      const headers = await app.as(username);
      expect((await create({ url: receiverUrl, eventTypes: ['case.*'], secret: SECRET }, headers)).statusCode, username).toBe(403);
      expect((await app.server.inject({ url: '/api/v1/webhooks', headers })).statusCode, username).toBe(403);
      expect((await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers, payload: { active: false } })).statusCode, username).toBe(403);
      expect((await app.server.inject({ method: 'DELETE', url: `/api/v1/webhooks/${webhookId}`, headers })).statusCode, username).toBe(403);
    }

    const bad: [Record<string, unknown>, number][] = [
      [{ url: 'ftp://127.0.0.1/x', eventTypes: ['case.*'], secret: SECRET }, 400],
      [{ url: 'javascript:alert(1)', eventTypes: ['case.*'], secret: SECRET }, 400],
      [{ url: 'http://user:pw@127.0.0.1/x', eventTypes: ['case.*'], secret: SECRET }, 400],
      [{ url: receiverUrl, eventTypes: [], secret: SECRET }, 400],
      [{ url: receiverUrl, eventTypes: ['case.*'], secret: 'short' }, 400],
      [{ url: receiverUrl, eventTypes: ['Case Created'], secret: SECRET }, 400],
      [{ url: receiverUrl, eventTypes: ['case.*'] }, 400],
      [{ url: receiverUrl, eventTypes: ['case.*'], secret: SECRET, extra: 1 }, 400],
      [{ url: receiverUrl, eventTypes: ['case.*'], secret: SECRET, divisionCode: '500105' }, 422],
    ];
    for (const [payload, status] of bad) {
      const r = await create(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(status);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }

    const patched = await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers: admin, payload: { secret: `${SECRET}-v2`, eventTypes: ['case.*'] } });
    expect(patched.statusCode).toBe(200);
    expect((await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers: admin, payload: { url: 'gopher://127.0.0.1/' } })).statusCode).toBe(400);
    await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers: admin, payload: { secret: SECRET } });
    const list = await app.server.inject({ url: '/api/v1/webhooks', headers: admin });
    expect(list.json().items.map((w: { id: string }) => w.id)).toEqual([webhookId]);
    const audit = await app.server.inject({ url: `/api/v1/audit?entityType=webhook&entityId=${webhookId}`, headers: admin });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(['webhook.update', 'webhook.update', 'webhook.create']);
    expect(audit.json().items[0].after.secretChanged).toBe(true);
    for (const body of [res.body, patched.body, list.body, audit.body]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toMatch(/secret"\s*:/);
    }
  });

  it('delivers matching events signed, so the receiver can verify them', async () => {
    const event = await publishAndLog(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW, { title: '井盖缺失', urgency: 'urgent' }), 1);
    await publishAndLog(domainEvent('case.created', { divisionCodes: chain('500106') }, NOW), 0);
    await publishAndLog(domainEvent('alarm.raised', { divisionCodes: chain(JIEFANGBEI) }, NOW), 0);

    expect(await deliverDueWebhooks(app.ctx)).toBe(1);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-chengyun-event']).toBe('case.created');
    expect(headers['x-chengyun-delivery']).toMatch(/^whd_/);
    expect(headers['x-chengyun-timestamp']).toBe(String(Date.parse(NOW) / 1000));
    const expected = createHmac('sha256', SECRET).update(`${headers['x-chengyun-timestamp']}.${body}`).digest('hex');
    expect(headers['x-chengyun-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(body)).toEqual({ id: event.id, type: 'case.created', at: NOW, subject: event.subject, payload: { title: '井盖缺失', urgency: 'urgent' } });
    expect(body).not.toContain(SECRET);

    const [delivery] = await deliveries(webhookId);
    expect(delivery).toMatchObject({ eventId: event.id, status: 'delivered', nextAttemptAt: null, attempts: [{ attempt: 1, statusCode: 200, error: null }] });
    expect(await deliverDueWebhooks(app.ctx)).toBe(0);
  });

  it('retries failures with backoff under the clock, records every attempt, then gives up', async () => {
    received.length = 0;
    answers.push(500, 503, 404, 500, 502, 500);
    const event = await publishAndLog(domainEvent('case.overdue', { divisionCodes: chain(JIEFANGBEI) }, NOW), 1);
    let t = Date.parse(NOW);
    const at = (ms: number) => new Date(ms).toISOString();
    expect(await deliverDueWebhooks(app.ctx)).toBe(1);
    for (const delay of RETRY_DELAYS_MS) {
      app.setNow(at(t + delay - 1000));
      expect(await deliverDueWebhooks(app.ctx), `before ${delay} ms`).toBe(0);
      t += delay;
      app.setNow(at(t));
      expect(await deliverDueWebhooks(app.ctx), `after ${delay} ms`).toBe(1);
    }
    app.setNow(at(t + 86_400_000));
    expect(await deliverDueWebhooks(app.ctx)).toBe(0);
    app.setNow(NOW);

    expect(received).toHaveLength(MAX_ATTEMPTS);
    // Each attempt is signed afresh with its own timestamp; the delivery id stays.
    expect(new Set(received.map((r) => r.headers['x-chengyun-timestamp'])).size).toBe(MAX_ATTEMPTS);
    expect(new Set(received.map((r) => r.headers['x-chengyun-delivery'])).size).toBe(1);
    const delivery = (await deliveries(webhookId)).find((d) => d.eventId === event.id)!;
    expect(delivery.status).toBe('failed');
    expect(delivery.nextAttemptAt).toBeNull();
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 503, 404, 500, 502, 500]);
    expect(delivery.attempts.every((a) => a.durationMs >= 0 && a.error === null)).toBe(true);
  });

  it('records connection errors and timeouts as failed attempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise((resolve) => closed.close(resolve));
    const dead = (await create({ url: deadUrl, eventTypes: ['alarm.*'], secret: SECRET })).json().id;
    await publishAndLog(domainEvent('alarm.raised', { divisionCodes: chain(JIEFANGBEI) }, NOW), 1);
    expect(await deliverDueWebhooks(app.ctx)).toBe(1);
    const [refused] = await deliveries(dead);
    expect(refused.status).toBe('pending');
    expect(refused.nextAttemptAt).toBe(new Date(Date.parse(NOW) + 30_000).toISOString());
    expect(refused.attempts[0]).toMatchObject({ attempt: 1, statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
    await app.server.inject({ method: 'DELETE', url: `/api/v1/webhooks/${dead}`, headers: admin });

    received.length = 0;
    hang = true;
    try {
      const slow = (await create({ url: receiverUrl, eventTypes: ['sensor.reading'], secret: SECRET })).json().id;
      await publishAndLog(domainEvent('sensor.reading', { divisionCodes: chain(JIEFANGBEI) }, NOW), 1);
      expect(await deliverDueWebhooks(app.ctx, { timeoutMs: 200 })).toBe(1);
      const [timedOut] = await deliveries(slow);
      expect(timedOut.attempts[0]).toMatchObject({ statusCode: null, error: 'no response within 200 ms' });
      expect(timedOut.attempts[0].durationMs).toBeGreaterThanOrEqual(150);
      await app.server.inject({ method: 'DELETE', url: `/api/v1/webhooks/${slow}`, headers: admin });
    } finally {
      hang = false;
      receiver.closeAllConnections();
    }
  });

  it('cancels pending deliveries when paused, and the worker delivers on its own', async () => {
    received.length = 0;
    answers.push(500);
    const first = await publishAndLog(domainEvent('case.supervised', { divisionCodes: chain(JIEFANGBEI) }, NOW), 1);
    expect(await deliverDueWebhooks(app.ctx)).toBe(1);
    await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers: admin, payload: { active: false } });
    await publishAndLog(domainEvent('case.supervised', { divisionCodes: chain(JIEFANGBEI) }, NOW), 0);
    app.setNow(new Date(Date.parse(NOW) + 3_600_000).toISOString());
    expect(await deliverDueWebhooks(app.ctx)).toBe(0);
    app.setNow(NOW);
    expect((await deliveries(webhookId)).find((d) => d.eventId === first.id)!.status).toBe('cancelled');

    await app.server.inject({ method: 'PATCH', url: `/api/v1/webhooks/${webhookId}`, headers: admin, payload: { active: true } });
    const stop = startWebhookWorker(app.ctx, { intervalMs: 20 });
    try {
      received.length = 0;
      answers.length = 0;
      const live = await publishAndLog(domainEvent('case.closed', { divisionCodes: chain(JIEFANGBEI) }, NOW), 1);
      await eventually(async () => received.length === 1);
      expect(JSON.parse(received[0].body).id).toBe(live.id);
      await eventually(async () => (await deliveries(webhookId)).find((d) => d.eventId === live.id)?.status === 'delivered');
    } finally {
      await stop();
    }
  });

  it('lists deliveries only for existing subscriptions and deletes with history', async () => {
    expect((await app.server.inject({ url: '/api/v1/webhooks/whk_missing/deliveries', headers: admin })).statusCode).toBe(404);
    const del = await app.server.inject({ method: 'DELETE', url: `/api/v1/webhooks/${webhookId}`, headers: admin });
    expect(del.statusCode).toBe(204);
    expect((await app.server.inject({ method: 'DELETE', url: `/api/v1/webhooks/${webhookId}`, headers: admin })).statusCode).toBe(404);
    expect((await app.server.inject({ url: `/api/v1/webhooks/${webhookId}/deliveries`, headers: admin })).statusCode).toBe(404);
    const [{ n }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from webhook_delivery where webhook_id = $1', [webhookId]);
    expect(n).toBe(0);
    const audit = await app.server.inject({ url: `/api/v1/audit?entityType=webhook&entityId=${webhookId}`, headers: admin });
    expect(audit.json().items[0].action).toBe('webhook.delete');
    expect(audit.body).not.toContain(SECRET);
    const [{ secrets }] = await app.ctx.db.query<{ secrets: number }>(`select count(*)::int as secrets from audit_log where before::text like $1 or after::text like $1`, [`%${SECRET}%`]);
    expect(secrets).toBe(0);
  });
});
