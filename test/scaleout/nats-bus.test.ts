import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { DomainEvent, EventOrigin } from '../../src/events/bus.ts';
import { eventNames, NatsEventBus, subjectOf } from '../../src/events/nats-bus.ts';
import { deleteStream, NATS_URL, natsReachable, until } from './support.ts';

const namespace = `t${randomBytes(4).toString('hex')}`;
const log = pino({ level: 'silent' });
const event = (id: string): DomainEvent => ({
  id, type: 'case.created', at: new Date().toISOString(), subject: { type: 'case', id: 'c1' },
  scope: { divisionCodes: ['500000'], unitIds: [], userIds: [] }, payload: { n: id },
});

describe.skipIf(!(await natsReachable()))('the NATS JetStream event bus', () => {
  afterAll(() => deleteStream(namespace));

  it('names subjects after event types, safely', () => {
    expect(subjectOf('case.created')).toBe('chengyun.events.case.created');
    expect(subjectOf('odd type.*.>', 'x.events')).toBe('x.events.odd_type._._');
    expect(eventNames('staging-2')).toEqual({ stream: 'STAGING_2_EVENTS', prefix: 'staging-2.events' });
  });

  it('delivers an event once on every node: local where published, remote elsewhere, no echo', async () => {
    const [a, b, c] = await Promise.all(['na', 'nb', 'nc'].map((nodeId) => NatsEventBus.connect({ servers: NATS_URL, nodeId, namespace, log })));
    const seen: Record<string, [string, EventOrigin][]> = { a: [], b: [], c: [] };
    a.subscribe((e, o) => { seen.a.push([e.id, o]); });
    b.subscribe((e, o) => { seen.b.push([e.id, o]); });
    c.subscribe((e, o) => { seen.c.push([e.id, o]); });
    for (let i = 0; i < 50; i++) a.publish(event(`evt_a${i}`));
    b.publish(event('evt_b0'));
    await until('every node to see every event', () => seen.c.length === 51 && seen.a.length === 51 && seen.b.length === 51);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.a.filter(([, o]) => o === 'local').map(([id]) => id)).toEqual(Array.from({ length: 50 }, (_, i) => `evt_a${i}`));
    expect(seen.a.filter(([, o]) => o === 'remote').map(([id]) => id)).toEqual(['evt_b0']);
    expect(seen.b.filter(([, o]) => o === 'remote')).toHaveLength(50);
    // Order from one publisher is kept on the other nodes.
    expect(seen.c.filter(([id]) => id.startsWith('evt_a')).map(([id]) => id)).toEqual(Array.from({ length: 50 }, (_, i) => `evt_a${i}`));
    expect(seen.c.every(([, o]) => o === 'remote')).toBe(true);
    expect(a.queued).toBe(0);
    // A resend of the same event id within the duplicate window is dropped by JetStream.
    a.publish(event('evt_a0'));
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.c).toHaveLength(51);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
