/**
 * Sensor rule evaluation split between nodes (规则分区). Any node takes readings (HTTP, MQTT)
 * and stores them; each sensor's rules are evaluated on exactly one node, its owner, so a
 * sustained condition or a repeat count sees every reading of the sensor in order.
 *
 * - The partition key is the sensor's asset when it has one (a burst rule compares the pressure
 *   and flow sensors of one pipe segment), else the sensor. Keys go to live nodes by rendezvous
 *   hashing (src/cluster/membership.ts): when a node comes or goes only its share moves.
 * - After a batch is stored, the readings of sensors owned elsewhere go to their owner as columns
 *   over NATS (core, at most once); the owner evaluates them in arrival order with its own.
 * - Handover. When the live nodes change, a node first drops the sensors it lost. Sensors it
 *   gains it takes over only after the old owners had time to notice (a third of the lease and a
 *   second, skipped when it is alone): it reads their saved rule state and active alarms afresh
 *   and evaluates their stored readings again from where the saved state ends (see
 *   `LifelineRuleEngine.adopt`), but not from before the lease plus 30 s ago. So readings the old
 *   owner had not evaluated when it died — and those sent to it, or to nobody, during the
 *   handover — are evaluated once by the new owner, and an alarm half-way through its sustained
 *   condition completes once. Readings that arrive for a sensor while it is being taken over wait
 *   in memory and follow the replay.
 * - A reading whose device time is older than that window when its owner dies is stored but not
 *   evaluated (as a late reading would be). A node unsure of its own lease evaluates nothing and
 *   counts the readings as unrouted.
 */
import type { Logger } from 'pino';
import { rendezvousOwner, type Cluster, type NodeChannel } from '../cluster/index.ts';
import type { Evaluate, StoredColumns } from './ingest-pipeline.ts';
import type { SensorEntry, SensorRegistry } from './registry.ts';
import type { SensorInfo } from './model.ts';
import type { LifelineRuleEngine } from './rules/engine.ts';

const TOPIC = 'sensing-eval';
/** How far back (beyond the lease) a node taking sensors over evaluates their stored readings again. */
export const REPLAY_SLACK_MS = 30_000;
/** Most readings kept in memory while sensors are being taken over; beyond it the replay's window covers them. */
const BUFFER_LIMIT = 1_000_000;

/** Route codes per sensor number; 0 … n-1 name a live node. */
const MINE = -1;
const PENDING = -2;
const UNKNOWN = -3;
const ADOPTING = -4;
/** Not (yet) in this node's registry: registered on another node since the last refresh. */
const UNREGISTERED = -5;

/** Which sensors are judged together: an asset's, else each alone. */
export const partitionKey = (s: Pick<SensorInfo, 'id' | 'assetId'>): string => s.assetId ?? s.id;

export interface PartitionOptions {
  cluster: Cluster;
  channel: NodeChannel;
  engine: LifelineRuleEngine;
  registry: SensorRegistry;
  log: Logger;
  clock: () => Date;
  leaseMs: number;
}

export interface PartitionStats {
  /** Readings sent to their owner, received from other nodes, and sent on once more (ownership moved in flight). */
  forwarded: number; received: number; rerouted: number;
  /** Readings not evaluated on arrival: their sensor was being taken over (replayed from storage) or no owner was known. */
  deferred: number; unrouted: number;
  /** Handovers done, sensors taken over, readings evaluated again, sensors given up. */
  handovers: number; adopted: number; replayed: number; released: number;
}

export class SensorPartition {
  readonly stats: PartitionStats = { forwarded: 0, received: 0, rerouted: 0, deferred: 0, unrouted: 0, handovers: 0, adopted: 0, replayed: 0, released: 0 };
  readonly #o: PartitionOptions;
  readonly #me: string;
  #live: readonly string[] = [];
  /** The live nodes whose split this node has taken over (empty until the first handover). */
  #settled: readonly string[] = [];
  #adopting = false;
  #gen = 1;
  #route = new Int32Array(0);
  #routeGen = new Uint32Array(0);
  #buffer: StoredColumns[] = [];
  #buffered = 0;
  /** Forwarded batches, evaluated one after another in arrival order. */
  #tail: Promise<void> = Promise.resolve();
  #handover: Promise<void> = Promise.resolve();
  #stopped = false;
  #leaving = false;
  #unsubscribe: (() => void)[] = [];
  #refreshing: Promise<void> | undefined;

  constructor(options: PartitionOptions) {
    this.#o = options;
    this.#me = options.cluster.nodeId;
  }

  /** Starts routing; resolves once this node has taken over its first share. */
  start(): Promise<void> {
    const { cluster, channel, engine } = this.#o;
    engine.setOwnership((info) => this.#owns(info));
    this.#unsubscribe.push(channel.onMessage(TOPIC, (data) => this.#receive(data)));
    this.#unsubscribe.push(cluster.onChange((live) => this.#changed(live)));
    this.#changed(cluster.live());
    return this.#handover;
  }

  /**
   * The node is shutting down: it takes nothing more over (the others will), but still sends
   * and evaluates what it is given until `stop`.
   */
  leaving(): void {
    this.#leaving = true;
  }

  /** Stops taking forwarded readings; waits for what was taken. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const u of this.#unsubscribe) u();
    await this.#handover;
    await this.#tail;
  }

  /** The ingest pipeline's evaluator: own readings to the engine, the others to their owners. */
  readonly evaluate: Evaluate = async (batch, options) => {
    if (options.late) return this.#o.engine.evaluateColumns(batch, options);
    const local = this.#split(batch, options.express === true, 0, true);
    if (local) await this.#o.engine.evaluateColumns(local, {});
  };

  #changed(live: readonly string[]): void {
    if (live.length === 0) return;
    this.#live = live;
    this.#gen++;
    this.#handover = this.#handover.then(() => this.#settle()).catch((error: unknown) => {
      this.#o.log.error({ err: error }, 'sensor handover failed; retrying');
      setTimeout(() => { if (!this.#stopped) this.#changed(this.#live); }, 5_000).unref();
    });
  }

  async #settle(): Promise<void> {
    if (this.#stopped || this.#leaving) return;
    const { engine, registry, clock, leaseMs, log } = this.#o;
    const target = this.#live;
    const released = await engine.exclusive(async () => engine.release());
    this.stats.released += released;
    const gained: SensorEntry[] = [];
    for (const e of registry.all()) {
      if (!e) continue;
      const key = partitionKey(e);
      if (rendezvousOwner(target, key) === this.#me && rendezvousOwner(this.#settled, key) !== this.#me) gained.push(e);
    }
    if (gained.length > 0 && target.some((n) => n !== this.#me)) {
      // The old owners stop at their next lease renewal: let them finish before reading what they saved.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(leaseMs / 3) + 1_000));
      if (this.#live !== target || this.#stopped || this.#leaving) return;
    }
    const started = performance.now();
    this.#adopting = true;
    this.#gen++;
    let replayed = 0;
    try {
      replayed = await engine.adopt(gained, clock().getTime() - leaseMs - REPLAY_SLACK_MS);
    } finally {
      this.#adopting = false;
      this.#settled = target;
      this.#gen++;
    }
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#buffered = 0;
    for (const b of buffered) await engine.evaluateColumns(b, {});
    this.stats.handovers++;
    this.stats.adopted += gained.length;
    this.stats.replayed += replayed;
    log.info({ live: target, adopted: gained.length, released, replayed, buffered: buffered.length, ms: Math.round(performance.now() - started), totals: this.stats }, 'sensor rules partitioned');
  }

  #owns(info: SensorInfo): boolean {
    const num = (info as Partial<SensorEntry>).num;
    if (typeof num === 'number') return this.#routeOf(num) === MINE;
    const key = partitionKey(info);
    return rendezvousOwner(this.#live, key) === this.#me && rendezvousOwner(this.#settled, key) === this.#me;
  }

  #routeOf(num: number): number {
    if (num >= this.#route.length) {
      const size = Math.max(1024, num + 1, this.#route.length * 2);
      const route = new Int32Array(size);
      route.set(this.#route);
      const gen = new Uint32Array(size);
      gen.set(this.#routeGen);
      this.#route = route;
      this.#routeGen = gen;
    }
    if (this.#routeGen[num] === this.#gen) return this.#route[num];
    const info = this.#o.registry.byNum(num);
    // Not cached: the registry may learn of the sensor later.
    if (!info) return UNREGISTERED;
    const key = partitionKey(info);
    const owner = rendezvousOwner(this.#live, key);
    const code = owner === undefined ? UNKNOWN
      : owner !== this.#me ? this.#live.indexOf(owner)
      : rendezvousOwner(this.#settled, key) === this.#me ? MINE
      : this.#adopting ? ADOPTING : PENDING;
    this.#route[num] = code;
    this.#routeGen[num] = this.#gen;
    return code;
  }

  /**
   * Sends the readings owned elsewhere to their owners (`hops`: how often they were sent
   * already; a node passes on what it received once more at most), keeps those
   * of sensors being taken over, and returns this node's own (undefined when none).
   */
  #split(batch: StoredColumns, express: boolean, hops: number, retry: boolean): StoredColumns | undefined {
    const { nums, ts, values, n } = batch;
    // A node unsure of its lease owns nothing and knows no owner.
    const sure = this.#o.cluster.live().length > 0;
    const codes = new Int32Array(n);
    const live = this.#live;
    const counts = new Int32Array(live.length);
    let mine = 0;
    let adopting = 0;
    let unregistered = 0;
    for (let i = 0; i < n; i++) {
      const code = sure ? this.#routeOf(nums[i]) : UNKNOWN;
      codes[i] = code;
      if (code >= 0) counts[code]++;
      else if (code === MINE) mine++;
      else if (code === ADOPTING) adopting++;
      else if (code === UNREGISTERED && retry) unregistered++;
      else if (code === PENDING) this.stats.deferred++;
      else this.stats.unrouted++;
    }
    if (mine === n) return batch;
    const pick = (code: number, m: number): StoredColumns => {
      const out = { nums: new Int32Array(m), ts: new Float64Array(m), values: new Float64Array(m), n: m };
      for (let i = 0, k = 0; i < n && k < m; i++) {
        if (codes[i] !== code) continue;
        out.nums[k] = nums[i];
        out.ts[k] = ts[i];
        out.values[k++] = values[i];
      }
      return out;
    };
    for (let node = 0; node < live.length; node++) {
      if (counts[node] === 0) continue;
      if (hops >= 2) {
        this.stats.unrouted += counts[node];
        continue;
      }
      this.#o.channel.send(TOPIC, encode(pick(node, counts[node]), express, hops + 1), live[node]);
      this.stats.forwarded += counts[node];
    }
    if (adopting > 0) {
      if (this.#buffered + adopting <= BUFFER_LIMIT) {
        this.#buffer.push(pick(ADOPTING, adopting));
        this.#buffered += adopting;
      } else {
        this.stats.deferred += adopting;
      }
    }
    if (unregistered > 0) void this.#afterRefresh(pick(UNREGISTERED, unregistered), express, hops);
    return mine > 0 ? pick(MINE, mine) : undefined;
  }

  /** Readings of sensors registered elsewhere since this node's last registry refresh: routed again once it is refreshed. */
  async #afterRefresh(batch: StoredColumns, express: boolean, hops: number): Promise<void> {
    try {
      this.#refreshing ??= this.#o.registry.refresh().finally(() => { this.#refreshing = undefined; });
      await this.#refreshing;
      const local = this.#split(batch, express, hops, false);
      if (local) await this.#o.engine.evaluateColumns(local, {});
    } catch (error) {
      this.stats.unrouted += batch.n;
      this.#o.log.error({ err: error }, 'readings of newly registered sensors not evaluated');
    }
  }

  #receive(data: Uint8Array): void {
    if (this.#stopped) return;
    let message: { batch: StoredColumns; express: boolean; hops: number };
    try {
      message = decode(data);
    } catch (error) {
      this.#o.log.warn({ err: error, bytes: data.length }, 'unreadable forwarded readings skipped');
      return;
    }
    this.stats.received += message.batch.n;
    const forwardedBefore = this.stats.forwarded;
    const local = this.#split(message.batch, message.express, message.hops, true);
    this.stats.rerouted += this.stats.forwarded - forwardedBefore;
    this.stats.forwarded = forwardedBefore;
    if (!local) return;
    const run = () => this.#o.engine.evaluateColumns(local, {}).catch((error: unknown) => this.#o.log.error({ err: error }, 'rule evaluation failed'));
    if (message.express) void run();
    else this.#tail = this.#tail.then(run);
  }
}

/** [n: u32][flags: u8 (1 = express)][hops: u8][2 spare][ts f64 × n][values f64 × n][nums i32 × n] */
export function encode(batch: StoredColumns, express: boolean, hops: number): Uint8Array {
  const n = batch.n;
  const buffer = new ArrayBuffer(8 + 20 * n);
  const head = new DataView(buffer);
  head.setUint32(0, n, true);
  head.setUint8(4, express ? 1 : 0);
  head.setUint8(5, hops);
  new Float64Array(buffer, 8, n).set(batch.ts.subarray(0, n));
  new Float64Array(buffer, 8 + 8 * n, n).set(batch.values.subarray(0, n));
  new Int32Array(buffer, 8 + 16 * n, n).set(batch.nums.subarray(0, n));
  return new Uint8Array(buffer);
}

export function decode(data: Uint8Array): { batch: StoredColumns; express: boolean; hops: number } {
  if (data.byteLength < 8) throw new Error('message too short');
  // A copy of its own (a Node Buffer may be a view into a shared pool), so the typed views are aligned.
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  const buffer = copy.buffer;
  const head = new DataView(buffer);
  const n = head.getUint32(0, true);
  if (buffer.byteLength !== 8 + 20 * n) throw new Error(`message of ${buffer.byteLength} bytes does not hold ${n} readings`);
  return {
    batch: { n, ts: new Float64Array(buffer, 8, n), values: new Float64Array(buffer, 8 + 8 * n, n), nums: new Int32Array(buffer, 8 + 16 * n, n) },
    express: (head.getUint8(4) & 1) === 1,
    hops: head.getUint8(5),
  };
}
