/**
 * The ingest pipeline: a bounded queue, group commit, then hand-off to the rule evaluator.
 *
 * Requests put checked readings in the queue and wait. A writer takes everything queued (up
 * to a batch size), sorts it by (sensor, time), drops in-batch duplicates and writes it in one
 * transaction with the counters, so many requests share one commit; each request is answered
 * only after that commit. Stored readings then go to the evaluator in commit order, readings
 * older than their sensor's last evaluated one flagged as late. The queue counts readings
 * waiting to be written and readings waiting to be evaluated: when that passes the capacity,
 * submit refuses (the caller answers 503 with Retry-After, or pauses its MQTT client).
 */
import type { Logger } from 'pino';
import type { Db } from '../storage/db.ts';
import type { Reading } from './model.ts';
import type { Columns, Rejection } from './ingest-validate.ts';
import { addCounters, insertReadings } from './ingest-store.ts';

export interface IngestOptions {
  /** Readings queued or being evaluated before submit refuses. */
  capacity: number;
  /** Most readings in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once (one on the embedded database). */
  writers: number;
}

export type Evaluate = (batch: readonly Reading[], options: { late?: boolean }) => Promise<void>;

export interface Stored { accepted: number; duplicates: number }

/** Thrown by submit when the pipeline is full. */
export class IngestBusy extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('ingest queue full');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Pending {
  cols: Columns;
  source: string;
  rejected: readonly Rejection[];
  resolve(stored: Stored): void;
  reject(error: unknown): void;
}

/** Reading owners for the sensor numbers in a batch; the evaluator wants ids. */
export type IdOfNum = (num: number) => string | undefined;

export class IngestPipeline {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #options: IngestOptions;
  readonly #idOf: IdOfNum;
  readonly #clock: () => Date;
  #queue: Pending[] = [];
  #queued = 0;
  #inFlight = 0;
  #writers = 0;
  #evalTail: Promise<void> = Promise.resolve();
  #lastSeen = new Float64Array(1024);
  #lastEvaluated = new Float64Array(1024);
  #idle: (() => void)[] = [];
  evaluator: Evaluate | undefined;
  /** Readings queued or being evaluated before submit refuses (settable at run time). */
  capacity: number;
  /** Called with each committed batch's new readings (rollups). */
  onStored: ((nums: Int32Array, ts: Float64Array, values: Float64Array, n: number) => void) | undefined;

  constructor(db: Db, log: Logger, clock: () => Date, idOf: IdOfNum, options: IngestOptions) {
    this.#db = db;
    this.#log = log;
    this.#clock = clock;
    this.#idOf = idOf;
    this.#options = options;
    this.capacity = options.capacity;
  }

  /** Readings queued, being written or being evaluated. */
  get load(): number {
    return this.#queued + this.#inFlight;
  }

  get full(): boolean {
    return this.load >= this.capacity;
  }

  /** Epoch ms of the newest stored reading of a sensor (0: none since start). */
  lastSeen(num: number): number {
    return num < this.#lastSeen.length ? this.#lastSeen[num] : 0;
  }

  /** Seeds last-seen times at start, from the rollups. */
  seedLastSeen(num: number, ts: number): void {
    this.#grow(num);
    if (ts > this.#lastSeen[num]) this.#lastSeen[num] = ts;
  }

  /**
   * Queues checked readings and their refusals; resolves once they are durably stored.
   * A request larger than the whole capacity is still taken when the queue is empty.
   */
  submit(cols: Columns, source: string, rejected: readonly Rejection[]): Promise<Stored> {
    const n = cols.nums.length;
    if (n > 0 && this.load > 0 && this.load + n > this.capacity) {
      return Promise.reject(new IngestBusy(Math.max(1, Math.ceil(this.load / Math.max(1, this.#options.maxBatch)))));
    }
    return new Promise<Stored>((resolve, reject) => {
      this.#queue.push({ cols, source, rejected, resolve, reject });
      this.#queued += n;
      this.#pump();
    });
  }

  /** Resolves when everything submitted so far is stored and evaluated. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#writers === 0 && this.#inFlight === 0) return this.#evalTail;
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#writers < this.#options.writers && this.#queue.length > 0) {
      const batch: Pending[] = [];
      let n = 0;
      while (this.#queue.length > 0 && (batch.length === 0 || n + this.#queue[0].cols.nums.length <= this.#options.maxBatch)) {
        const p = this.#queue.shift()!;
        batch.push(p);
        n += p.cols.nums.length;
      }
      this.#queued -= n;
      this.#inFlight += n;
      this.#writers++;
      this.#write(batch, n).finally(() => {
        this.#writers--;
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  #checkIdle(): void {
    if (this.#queue.length || this.#writers || this.#inFlight) return;
    const waiting = this.#idle;
    this.#idle = [];
    void this.#evalTail.then(() => waiting.forEach((w) => w()));
  }

  #grow(num: number): void {
    if (num < this.#lastSeen.length) return;
    let size = this.#lastSeen.length;
    while (size <= num) size *= 2;
    for (const name of ['seen', 'evaluated'] as const) {
      const old = name === 'seen' ? this.#lastSeen : this.#lastEvaluated;
      const next = new Float64Array(size);
      next.set(old);
      if (name === 'seen') this.#lastSeen = next;
      else this.#lastEvaluated = next;
    }
  }

  async #write(batch: Pending[], n: number): Promise<void> {
    // Columns of the whole batch, with the request each reading came from.
    const nums = new Int32Array(n);
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    const from = new Int32Array(n);
    let k = 0;
    batch.forEach((p, b) => {
      const c = p.cols;
      for (let i = 0; i < c.nums.length; i++, k++) {
        nums[k] = c.nums[i];
        ts[k] = c.ts[i];
        values[k] = c.values[i];
        from[k] = b;
      }
    });
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => nums[a] - nums[b] || ts[a] - ts[b]);
    // Sorted and free of in-batch duplicates (the first of equal keys wins).
    const sn = new Int32Array(n);
    const st = new Float64Array(n);
    const sv = new Float64Array(n);
    const sf = new Int32Array(n);
    const duplicates = new Int32Array(batch.length);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i];
      if (m > 0 && sn[m - 1] === nums[j] && st[m - 1] === ts[j]) {
        duplicates[from[j]]++;
        continue;
      }
      sn[m] = nums[j];
      st[m] = ts[j];
      sv[m] = values[j];
      sf[m] = from[j];
      m++;
    }
    let isNew: Uint8Array | null = null;
    const at = this.#clock();
    try {
      await this.#db.transaction(async (tx) => {
        const result = m > 0 ? await insertReadings(tx, sn, st, sv, m) : { inserted: 0, keys: null };
        if (result.keys) {
          const stored = new Set(result.keys.nums.map((num, i) => `${num}:${result.keys!.ts[i]}`));
          isNew = new Uint8Array(m);
          for (let i = 0; i < m; i++) {
            if (stored.has(`${sn[i]}:${st[i]}`)) isNew[i] = 1;
            else duplicates[sf[i]]++;
          }
        }
        await addCounters(tx, countsOf(batch, duplicates), at);
      });
    } catch (error) {
      this.#inFlight -= n;
      this.#log.error({ err: error, readings: n }, 'ingest batch failed');
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, b) => p.resolve({ accepted: p.cols.nums.length - duplicates[b], duplicates: duplicates[b] }));
    // Keep only the new readings for what follows.
    let w = m;
    if (isNew) {
      const keep = isNew as Uint8Array;
      w = 0;
      for (let i = 0; i < m; i++) {
        if (!keep[i]) continue;
        sn[w] = sn[i];
        st[w] = st[i];
        sv[w] = sv[i];
        w++;
      }
    }
    this.#inFlight -= n - w;
    if (w > 0) {
      this.#grow(sn[w - 1] > sn[0] ? sn[w - 1] : sn[0]);
      for (let i = 0; i < w; i++) if (st[i] > this.#lastSeen[sn[i]]) this.#lastSeen[sn[i]] = st[i];
      try {
        this.onStored?.(sn, st, sv, w);
      } catch (error) {
        this.#log.error({ err: error }, 'rollup update failed');
      }
    }
    this.#evaluate(sn, st, sv, w);
  }

  /** Hands stored readings to the evaluator, one batch after another in commit order. */
  #evaluate(sn: Int32Array, st: Float64Array, sv: Float64Array, w: number): void {
    this.#evalTail = this.#evalTail.then(async () => {
      try {
        const evaluate = this.evaluator;
        if (!evaluate || w === 0) return;
        const inOrder: Reading[] = [];
        const late: Reading[] = [];
        for (let i = 0; i < w; i++) {
          const sensorId = this.#idOf(sn[i]);
          if (!sensorId) continue;
          const reading: Reading = { sensorId, ts: st[i], value: sv[i] };
          if (st[i] <= this.#lastEvaluated[sn[i]]) {
            late.push(reading);
          } else {
            this.#lastEvaluated[sn[i]] = st[i];
            inOrder.push(reading);
          }
        }
        if (inOrder.length) await evaluate(inOrder, {});
        if (late.length) await evaluate(late, { late: true });
      } catch (error) {
        this.#log.error({ err: error }, 'rule evaluation failed');
      } finally {
        this.#inFlight -= w;
        this.#checkIdle();
      }
    });
  }
}

function countsOf(batch: readonly Pending[], duplicates: Int32Array): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => { if (n > 0) counts.set(key, (counts.get(key) ?? 0) + n); };
  batch.forEach((p, b) => {
    add(`${p.source}|accepted`, p.cols.nums.length - duplicates[b]);
    add(`${p.source}|duplicate`, duplicates[b]);
    for (const r of p.rejected) add(`${p.source}|${r.reason}`, 1);
  });
  return counts;
}
