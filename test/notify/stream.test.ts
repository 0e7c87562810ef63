import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { EventHub } from '../../src/notify/hub.ts';
import { liveStreams } from '../../src/notify/index.ts';
import { SseConnection, type SseSink } from '../../src/notify/sse.ts';
import type { DomainEvent } from '../../src/events/bus.ts';
import type { Principal } from '../../src/org/model.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';
import { domainEvent, eventually, openStream, type StreamClient } from './helpers.ts';

const NOW = '2026-11-20T02:00:00.000Z';
const app = await useTestApp({ now: NOW });
await app.server.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.server.address() as AddressInfo).port;

const STREAM = '/api/v1/events/stream';
const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
const chain = (code: string) => app.ctx.city.tree.ancestors(code, '2026-11-20').map((d) => d.code).reverse();
const community = app.ctx.city.tree.children(JIEFANGBEI, '2026-11-20')[0].code;

const open = async (username: string, extra: Record<string, string> = {}, targetPort = port) =>
  openStream(targetPort, STREAM, { ...(await app.as(username)), ...extra });
const me = async (username: string): Promise<Principal> => (await app.server.inject({ url: '/api/v1/auth/me', headers: await app.as(username) })).json();
const ids = (s: StreamClient) => s.messages.map((m) => m.id);
const publish = (event: DomainEvent) => { app.ctx.bus.publish(event); return event; };

const citizen = await me('citizen');
/** Names every test client, so when it arrives everything published before it has arrived too. */
const barrier = () => publish(domainEvent('test.barrier', {
  unitIds: [`C-${JIEFANGBEI}`, `C-${CHAOTIANMEN}`, 'C-500103'], userIds: [citizen.user.id],
}, NOW));

describe('live events (server-sent events)', () => {
  let lastSeen: string;
  let jiefangbeiOnly: DomainEvent[];

  it('streams to each user exactly the events of their jurisdiction', async () => {
    const before = liveStreams(app.ctx);
    const streams = {
      jiefangbei: await open('jiefangbei.operator'),
      chaotianmen: await open('chaotianmen.operator'),
      yuzhong: await open('yuzhong.operator'),
      citizen: await open('citizen'),
    };
    expect(streams.jiefangbei.status).toBe(200);
    expect(streams.jiefangbei.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(streams.jiefangbei.headers['x-request-id']).toBeTruthy();
    await eventually(async () => liveStreams(app.ctx) === before + 4);

    const inJiefangbei = publish(domainEvent('case.created', { divisionCodes: chain(community) }, NOW, { title: '井盖缺失' }));
    const inChaotianmen = publish(domainEvent('case.dispatched', { divisionCodes: chain(CHAOTIANMEN) }, NOW));
    const namingCitizen = publish(domainEvent('case.closed', { divisionCodes: chain(CHAOTIANMEN), userIds: [citizen.user.id] }, NOW));
    const end = barrier();

    await streams.jiefangbei.waitFor(2);
    await streams.chaotianmen.waitFor(3);
    await streams.yuzhong.waitFor(4);
    await streams.citizen.waitFor(2);
    expect(ids(streams.jiefangbei)).toEqual([inJiefangbei.id, end.id]);
    expect(ids(streams.chaotianmen)).toEqual([inChaotianmen.id, namingCitizen.id, end.id]);
    expect(ids(streams.yuzhong)).toEqual([inJiefangbei.id, inChaotianmen.id, namingCitizen.id, end.id]);
    expect(ids(streams.citizen)).toEqual([namingCitizen.id, end.id]);

    const first = streams.jiefangbei.messages[0];
    expect(first.event).toBe('case.created');
    expect(JSON.parse(first.data!)).toEqual({ id: inJiefangbei.id, type: 'case.created', at: NOW, subject: inJiefangbei.subject, payload: { title: '井盖缺失' } });
    // Who else an event involves stays on the server.
    expect(streams.yuzhong.body()).not.toContain(citizen.user.id);
    expect(streams.jiefangbei.comments).toContain('connected');

    for (const s of Object.values(streams)) s.close();
    await eventually(async () => liveStreams(app.ctx) === before);
    lastSeen = end.id;
  });

  it('replays what a reconnecting client missed after Last-Event-ID, then goes on live', async () => {
    const missed1 = publish(domainEvent('case.overdue', { divisionCodes: chain(JIEFANGBEI) }, NOW));
    publish(domainEvent('case.overdue', { divisionCodes: chain(CHAOTIANMEN) }, NOW));
    const missed2 = publish(domainEvent('case.supervised', { divisionCodes: chain(community) }, NOW));
    barrier();
    await eventually(async () => (await app.ctx.db.query('select 1 from event_log where id = $1', [missed2.id])).length > 0);

    const back = await open('jiefangbei.operator', { 'last-event-id': lastSeen });
    await back.waitFor(2);
    const live = publish(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW));
    await back.waitFor(4);
    // The barrier published after the missed events is replayed too: it names this center.
    expect(ids(back)).toEqual([missed1.id, missed2.id, expect.any(String), live.id]);
    back.close();
    jiefangbeiOnly = [missed1, missed2, live];
  });

  it('resumes from the event log after a restart, and every event is logged once', async () => {
    // A second server on the same context stands for a restarted node: its memory is empty.
    const restarted = await buildServer(app.ctx);
    await restarted.listen({ host: '127.0.0.1', port: 0 });
    const otherPort = (restarted.server.address() as AddressInfo).port;
    const back = await open('jiefangbei.operator', { 'last-event-id': jiefangbeiOnly[0].id }, otherPort);
    await back.waitFor(3);
    expect(ids(back)).toEqual([jiefangbeiOnly[1].id, expect.any(String), jiefangbeiOnly[2].id]);
    const live = publish(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW));
    await back.waitFor(4);
    expect(back.messages[3].id).toBe(live.id);
    const [{ n }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from event_log where id = $1', [live.id]);
    expect(n).toBe(1);
    // Closing the server ends its streams instead of waiting for them.
    await restarted.close();
    await back.ended;
  });

  it('sends a reset instead of a replay when the last event is outside the window', async () => {
    const unknown = await open('jiefangbei.operator', { 'last-event-id': 'evt_00000000-0000-7000-8000-000000000000' });
    await unknown.waitFor(1);
    expect(unknown.messages[0].event).toBe('reset');
    expect(unknown.messages[0].id).toMatch(/^evt_/);
    unknown.close();

    app.setNow('2026-11-21T02:00:01Z');
    try {
      // A day later yesterday's token has expired: sign in afresh.
      const login = await app.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'jiefangbei.operator', password: DEMO_PASSWORD } });
      const late = await openStream(port, STREAM, { authorization: `Bearer ${login.json().token}`, 'last-event-id': jiefangbeiOnly[0].id });
      await late.waitFor(1);
      expect(late.messages.map((m) => m.event)).toEqual(['reset']);
      late.close();
    } finally {
      app.setNow(NOW);
    }
  });

  it('takes ?access_token= for browsers and refuses missing or bad tokens', async () => {
    const token = (await app.as('citizen')).authorization.slice('Bearer '.length);
    const viaQuery = await openStream(port, `${STREAM}?access_token=${token}`);
    expect(viaQuery.status).toBe(200);
    const mine = publish(domainEvent('case.replied', { divisionCodes: chain(JIEFANGBEI), userIds: [citizen.user.id] }, NOW));
    publish(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW));
    const end = barrier();
    await viaQuery.waitFor(2);
    expect(ids(viaQuery)).toEqual([mine.id, end.id]);
    viaQuery.close();

    for (const path of [STREAM, `${STREAM}?access_token=cy_notarealtoken000`]) {
      const refused = await openStream(port, path);
      await refused.ended;
      expect(refused.status, path).toBe(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(refused.body()).code).toBe('CY_UNAUTHENTICATED');
    }
    // Other endpoints do not take tokens in the URL.
    expect((await app.server.inject({ url: `/api/v1/inbox?access_token=${token}` })).statusCode).toBe(400);
    expect((await app.server.inject({ url: '/api/v1/auth/me' })).statusCode).toBe(401);
  });

  it('is documented as text/event-stream', async () => {
    const doc = (await app.server.inject({ url: '/docs/json' })).json();
    const op = doc.paths['/api/v1/events/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.description).toContain('Last-Event-ID');
  });
});

class FakeSink implements SseSink {
  chunks: string[] = [];
  writableLength = 0;
  destroyed = false;
  writableEnded = false;
  /** A client that stops reading: everything written stays in memory. */
  stalled = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    if (this.stalled) this.writableLength += Buffer.byteLength(chunk);
    return this.writableLength < 16_384;
  }
  end(): void { this.writableEnded = true; }
  destroy(): void { this.destroyed = true; }
}

describe('event hub', () => {
  it('drops a client that stops reading instead of buffering for it', async () => {
    const hub = new EventHub(app.ctx, { maxBufferedBytes: 4_000 });
    const principal = await me('city.supervisor');
    const reading = new FakeSink();
    const stalled = new FakeSink();
    stalled.stalled = true;
    await hub.attach(new SseConnection(reading, principal, { maxBufferedBytes: 4_000, reauthenticate: async () => principal }));
    await hub.attach(new SseConnection(stalled, principal, { maxBufferedBytes: 4_000, reauthenticate: async () => principal }));
    expect(hub.connections).toBe(2);
    for (let i = 0; i < 40; i++) await hub.ingest(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW, { note: 'x'.repeat(200) }));
    expect(stalled.destroyed).toBe(true);
    expect(stalled.writableLength).toBeLessThan(4_000 + 1_000);
    expect(hub.connections).toBe(1);
    expect(reading.chunks).toHaveLength(40);
    await hub.stop();
    expect(reading.writableEnded).toBe(true);
  });

  it('sends heartbeats and ends streams whose sign-in is gone', async () => {
    const hub = new EventHub(app.ctx, { heartbeatMs: 20 });
    hub.start();
    const principal = await me('jiefangbei.operator');
    let signedIn = true;
    const sink = new FakeSink();
    await hub.attach(new SseConnection(sink, principal, { maxBufferedBytes: 1 << 20, reauthenticate: async () => (signedIn ? principal : undefined) }));
    await eventually(async () => sink.chunks.includes(': heartbeat\n\n'));
    expect(sink.writableEnded).toBe(false);
    signedIn = false;
    await eventually(async () => sink.writableEnded);
    expect(hub.connections).toBe(0);
    await hub.stop();
  });

  it('takes odd events in its stride: missing community, bad timestamp', async () => {
    const hub = new EventHub(app.ctx);
    const principal = await me('jiefangbei.operator');
    const sink = new FakeSink();
    await hub.attach(new SseConnection(sink, principal, { maxBufferedBytes: 1 << 20, reauthenticate: async () => principal }));
    const odd = domainEvent('case.created', { divisionCodes: ['500000', '500103', JIEFANGBEI, null as unknown as string] }, 'not a time');
    await hub.ingest(odd);
    expect(sink.chunks).toHaveLength(1);
    expect(JSON.parse(sink.chunks[0].split('data: ')[1]).at).toBe(NOW);
    const [logged] = await app.ctx.db.query<{ scope: { divisionCodes: string[] } }>('select scope from event_log where id = $1', [odd.id]);
    expect(logged.scope.divisionCodes).toEqual(['500000', '500103', JIEFANGBEI]);
    await hub.stop();
  });

  it('follows a principal moved to another unit', async () => {
    const hub = new EventHub(app.ctx, { heartbeatMs: 20 });
    hub.start();
    const jiefangbei = await me('jiefangbei.operator');
    const chaotianmen = await me('chaotianmen.operator');
    let current = jiefangbei;
    const sink = new FakeSink();
    const connection = new SseConnection(sink, jiefangbei, { maxBufferedBytes: 1 << 20, reauthenticate: async () => current });
    await hub.attach(connection);
    current = chaotianmen;
    await eventually(async () => connection.principal === chaotianmen);
    await hub.ingest(domainEvent('case.created', { divisionCodes: chain(JIEFANGBEI) }, NOW));
    const theirs = domainEvent('case.created', { divisionCodes: chain(CHAOTIANMEN) }, NOW);
    await hub.ingest(theirs);
    expect(sink.chunks.filter((c) => c.startsWith('id: '))).toEqual([expect.stringContaining(theirs.id)]);
    await hub.stop();
  });
});
