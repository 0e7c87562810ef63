/**
 * Node leases and partition ownership (the hook sensor rule evaluation uses): every key has
 * exactly one owner among the live nodes; a node that stops renewing loses its keys to the
 * others once its lease runs out, and only its keys move.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Membership, rendezvousOwner } from '../../src/cluster/index.ts';
import { useTestApp } from '../support/app.ts';
import { sleep, until } from './support.ts';

const app = await useTestApp();
const LEASE_MS = 3_000;
const SENSORS = Array.from({ length: 300 }, (_, i) => `sensor-${i}`);

/** Stands in for a partitioned worker: the sensors this node would evaluate now. */
const evaluates = (node: Membership) => SENSORS.filter((s) => node.owns(s));

describe('node leases and partition ownership', () => {
  it('moves only the keys of a node that leaves', () => {
    const three = ['a', 'b', 'c'];
    const before = new Map(SENSORS.map((s) => [s, rendezvousOwner(three, s)]));
    const shares = three.map((n) => [...before.values()].filter((o) => o === n).length);
    for (const share of shares) expect(share).toBeGreaterThan(SENSORS.length / 6);
    for (const s of SENSORS) {
      const after = rendezvousOwner(['a', 'c'], s);
      if (before.get(s) !== 'b') expect(after).toBe(before.get(s));
      else expect(['a', 'c']).toContain(after);
    }
    expect(rendezvousOwner([], 'x')).toBeUndefined();
  });

  it('gives every sensor one live owner, and a dead node\'s sensors to the others after its lease', async () => {
    const log = pino({ level: 'silent' });
    const nodes = ['n1', 'n2', 'n3'].map((id) => new Membership(app.ctx.db, { nodeId: id, leaseMs: LEASE_MS, log }));
    for (const n of nodes) await n.start();
    for (const n of nodes) await n.renew();
    const changes: (readonly string[])[] = [];
    nodes[0].onChange((live) => changes.push(live));
    try {
      expect(nodes.map((n) => n.live())).toEqual(nodes.map(() => ['n1', 'n2', 'n3']));
      const shares = nodes.map(evaluates);
      expect(shares.flat().sort()).toEqual([...SENSORS].sort());
      const ofDead = new Set(shares[1]);

      // n2 is killed: it stops renewing (and cannot clean up). Until its lease runs out its
      // sensors wait; then n1 and n3 share them, and their own sensors stay where they were.
      await nodes[1].stop().catch(() => undefined);
      await app.ctx.db.query(`insert into cluster_node (id, started_at, seen_at) values ('n2', now(), now())`);
      await sleep(LEASE_MS + 200);
      await nodes[0].renew();
      await nodes[2].renew();
      expect(nodes[0].live()).toEqual(['n1', 'n3']);
      expect(changes.at(-1)).toEqual(['n1', 'n3']);
      const after = [evaluates(nodes[0]), evaluates(nodes[2])];
      expect(after.flat().sort()).toEqual([...SENSORS].sort());
      for (const [i, node] of [[0, 0], [2, 1]] as const) {
        expect(shares[i].every((s) => after[node].includes(s))).toBe(true);
        expect(after[node].filter((s) => !shares[i].includes(s)).every((s) => ofDead.has(s))).toBe(true);
      }
      // A node that cannot renew its own lease stops claiming anything.
      expect(nodes[1].owns(SENSORS[0])).toBe(false);
      expect(nodes[1].live()).toEqual([]);
      // A clean stop hands over at the others' next renewal.
      await nodes[2].stop();
      await nodes[0].renew();
      await until('n1 alone', () => nodes[0].live().length === 1);
      expect(evaluates(nodes[0])).toHaveLength(SENSORS.length);
    } finally {
      for (const n of nodes) await n.stop();
    }
  });
});
