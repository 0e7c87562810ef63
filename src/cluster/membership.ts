/**
 * Which nodes are alive, and which of them owns a piece of partitioned work (e.g. evaluating a
 * sensor's rules: a sensor's readings must be judged on one node at a time, but on some node).
 *
 * Every node renews a lease row in `cluster_node` (database time, so node clocks may drift)
 * every third of the lease. The live nodes are those seen within one lease. A key belongs to
 * the live node with the highest hash of (node, key) — rendezvous hashing: when a node joins or
 * leaves, only its own share of keys moves. A node that stops cleanly deletes its row so its
 * keys move at once; a killed node's keys move when its lease runs out. A node that could not
 * renew its own lease for a whole lease owns nothing, so two nodes never both think they own a
 * key for longer than the renew interval.
 *
 * Ownership says who computes; state that must survive a move (alarm state, detector state)
 * lives in the database, where the next owner reads it.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable } from '../storage/db.ts';

export interface Cluster {
  readonly nodeId: string;
  /** Live node ids, sorted. */
  live(): readonly string[];
  /** The live node that owns `key`, or undefined when this node is not sure who is alive. */
  owner(key: string): string | undefined;
  owns(key: string): boolean;
  /** Called with the new live list whenever it changes; returns an unsubscribe function. */
  onChange(listener: (live: readonly string[]) => void): () => void;
}

/** One process alone (tests, the embedded demo): it owns everything. */
export function soloCluster(nodeId = 'solo'): Cluster {
  return { nodeId, live: () => [nodeId], owner: () => nodeId, owns: () => true, onChange: () => () => undefined };
}

/** Rendezvous (highest random weight) choice of one of `nodes` for `key`. */
export function rendezvousOwner(nodes: readonly string[], key: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const node of nodes) {
    const score = createHash('sha256').update(node).update('\0').update(key).digest().readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

export interface MembershipOptions {
  nodeId: string;
  leaseMs: number;
  log: Logger;
  /** Shown to operators in cluster_node.info (e.g. the node's URL). */
  info?: Record<string, unknown>;
}

export class Membership implements Cluster {
  readonly nodeId: string;
  readonly #db: Queryable;
  readonly #leaseMs: number;
  readonly #log: Logger;
  readonly #info: Record<string, unknown>;
  readonly #listeners = new Set<(live: readonly string[]) => void>();
  #live: readonly string[] = [];
  /** performance.now() of the last renewal that reached the database. */
  #renewedAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beat: Promise<void> = Promise.resolve();

  constructor(db: Queryable, options: MembershipOptions) {
    this.#db = db;
    this.nodeId = options.nodeId;
    this.#leaseMs = options.leaseMs;
    this.#log = options.log;
    this.#info = options.info ?? {};
  }

  async start(): Promise<void> {
    await this.#db.query(
      `insert into cluster_node (id, started_at, seen_at, info) values ($1, now(), now(), $2)
       on conflict (id) do update set seen_at = now(), info = excluded.info`,
      [this.nodeId, JSON.stringify(this.#info)],
    );
    await this.renew();
    this.#timer = setInterval(() => { this.#beat = this.renew(); }, Math.max(500, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  /** Renews this node's lease and reads who else is alive (the timer calls it; tests may too). */
  async renew(): Promise<void> {
    const started = performance.now();
    try {
      const rows = await this.#db.query<{ id: string }>(
        `with renewed as (
           insert into cluster_node (id, started_at, seen_at, info) values ($1, now(), now(), $3)
           on conflict (id) do update set seen_at = now() returning id)
         select id from cluster_node where seen_at >= now() - make_interval(secs => $2::double precision / 1000) and id <> $1
         union select id from renewed order by id`,
        [this.nodeId, this.#leaseMs, JSON.stringify(this.#info)],
      );
      this.#renewedAt = started;
      this.#setLive(rows.map((r) => r.id));
      // Rows of nodes long gone only clutter the table.
      await this.#db.query(`delete from cluster_node where seen_at < now() - make_interval(secs => $1::double precision / 100)`, [this.#leaseMs]);
    } catch (error) {
      this.#log.warn({ err: error }, 'cluster lease not renewed');
    }
  }

  #setLive(live: string[]): void {
    if (live.length === this.#live.length && live.every((id, i) => id === this.#live[i])) return;
    const before = this.#live;
    this.#live = live;
    this.#log.info({ live, before }, 'cluster membership changed');
    for (const listener of this.#listeners) listener(live);
  }

  /** True while this node's own lease is surely still valid. */
  #sure(): boolean {
    return performance.now() - this.#renewedAt < this.#leaseMs;
  }

  live(): readonly string[] {
    return this.#sure() ? this.#live : [];
  }

  owner(key: string): string | undefined {
    return this.#sure() ? rendezvousOwner(this.#live, key) : undefined;
  }

  owns(key: string): boolean {
    return this.owner(key) === this.nodeId;
  }

  onChange(listener: (live: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Leaves the cluster: the others take this node's keys at their next renewal. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beat;
    this.#renewedAt = Number.NEGATIVE_INFINITY;
    await this.#db.query('delete from cluster_node where id = $1', [this.nodeId]).catch((error) => this.#log.warn({ err: error }, 'cluster leave not recorded'));
  }
}
