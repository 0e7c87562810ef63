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
 *
 * Express lane: a request with a reading that may raise or escalate an alarm (the rule
 * engine's `mayEscalate`, a look without changing state) queues apart and has a writer of its
 * own, and is evaluated as soon as it is committed, so it is stored, evaluated and alarmed
 * without waiting behind the bulk batches queued before it. Its readings are still stored
 * before they are evaluated.
 */
import type { Logger } from 'pino';
import type { Db, Queryable } from '../storage/db.ts';
import type { Columns, Rejection } from './ingest-validate.ts';
import { addCounters, isDuplicateKey, storeReadings } from './ingest-store.ts';
import { capacityFor, grownArray } from './series-rollup.ts';

export interface IngestOptions {
  /** Readings queued or being evaluated before submit refuses. */
  capacity: number;
  /** Most readings in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once (one on the embedded database). */
  writers: number;
}

/** Stored readings of one commit as columns, sorted by (sensor number, ts). */
export interface StoredColumns { nums: Int32Array; ts: Float64Array; values: Float64Array; n: number }

/** `express`: the batch came through the express lane (it may raise or escalate an alarm). */
export type Evaluate = (batch: StoredColumns, options: { late?: boolean; express?: boolean }) => Promise<void>;

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

export class IngestPipeline {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #options: IngestOptions;
  readonly #clock: () => Date;
  #queue: Pending[] = [];
  #express: Pending[] = [];
  #expressWriting = false;
  #queued = 0;
  #inFlight = 0;
  #writers = 0;
  #evalTail: Promise<void> = Promise.resolve();
  #lastSeen = new Float64Array(1024);
  /** Each sensor's second newest reading stored by this process (or the seeded last-seen time). */
  #previousSeen = new Float64Array(1024);
  #lastEvaluated = new Float64Array(1024);
  #idle: (() => void)[] = [];
  evaluator: Evaluate | undefined;
  /** Whether a reading may raise or escalate an alarm (takes the express lane). */
  mayEscalate: ((num: number, value: number) => boolean) | undefined;
  /** Requests that took the express lane since the start. */
  expressRequests = 0;
  /** Readings queued or being evaluated before submit refuses (settable at run time). */
  capacity: number;
  /** Called with each committed batch's new readings (rollups). */
  onStored: ((nums: Int32Array, ts: Float64Array, values: Float64Array, n: number) => void) | undefined;

  constructor(db: Db, log: Logger, clock: () => Date, options: IngestOptions) {
    this.#db = db;
    this.#log = log;
    this.#clock = clock;
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
    // From the rollups, to the bucket: not exact, so everything up to it may repeat.
    if (ts > this.#lastSeen[num]) this.#lastSeen[num] = ts;
    if (ts > this.#previousSeen[num]) this.#previousSeen[num] = ts;
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
      const urgent = this.#urgent(cols);
      if (urgent) this.expressRequests++;
      (urgent ? this.#express : this.#queue).push({ cols, source, rejected, resolve, reject });
      this.#queued += n;
      this.#pump();
    });
  }

  /** Resolves when everything submitted so far is stored and evaluated. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#express.length === 0 && this.#writers === 0 && this.#inFlight === 0) return this.#evalTail;
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #urgent(cols: Columns): boolean {
    const mayEscalate = this.mayEscalate;
    if (!mayEscalate) return false;
    for (let i = 0; i < cols.nums.length; i++) if (mayEscalate(cols.nums[i], cols.values[i])) return true;
    return false;
  }

  #pump(): void {
    if (this.#express.length > 0 && !this.#expressWriting) {
      this.#expressWriting = true;
      this.#start(this.#take(this.#express), true, () => { this.#expressWriting = false; });
    }
    while (this.#writers < this.#options.writers && (this.#express.length > 0 || this.#queue.length > 0)) {
      this.#writers++;
      const express = this.#express.length > 0;
      this.#start(this.#take(express ? this.#express : this.#queue), express, () => { this.#writers--; });
    }
  }

  /** Up to a batch from the front of a queue (at least one request). */
  #take(queue: Pending[]): { batch: Pending[]; n: number } {
    const batch: Pending[] = [];
    let n = 0;
    while (queue.length > 0 && (batch.length === 0 || n + queue[0].cols.nums.length <= this.#options.maxBatch)) {
      const p = queue.shift()!;
      batch.push(p);
      n += p.cols.nums.length;
    }
    return { batch, n };
  }

  #start({ batch, n }: { batch: Pending[]; n: number }, express: boolean, done: () => void): void {
    this.#queued -= n;
    this.#inFlight += n;
    this.#write(batch, n, express).finally(() => {
      done();
      this.#pump();
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (this.#queue.length || this.#express.length || this.#writers || this.#expressWriting || this.#inFlight) return;
    const waiting = this.#idle;
    this.#idle = [];
    void this.#evalTail.then(() => waiting.forEach((w) => w()));
  }

  #grow(num: number): void {
    if (num < this.#lastSeen.length) return;
    const size = capacityFor(num, this.#lastSeen.length);
    const grown = (a: Float64Array) => grownArray(a, size);
    this.#lastSeen = grown(this.#lastSeen);
    this.#previousSeen = grown(this.#previousSeen);
    this.#lastEvaluated = grown(this.#lastEvaluated);
  }

  /**
   * Whether a reading may repeat one this process stored: it is not newer than the sensor's
   * newest stored reading, unless it falls strictly between the two newest (nothing of this
   * process lies there, so readings merely out of order still go by COPY).
   */
  #mayRepeat(num: number, ts: number): boolean {
    if (num >= this.#lastSeen.length) return false;
    const last = this.#lastSeen[num];
    return ts === last || (ts < last && ts <= this.#previousSeen[num]);
  }

  async #write(batch: Pending[], n: number, express: boolean): Promise<void> {
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
    const inBatch = new Int32Array(batch.length);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i];
      if (m > 0 && sn[m - 1] === nums[j] && st[m - 1] === ts[j]) {
        inBatch[from[j]]++;
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
    // Readings that cannot repeat one this process stored go by COPY; a repeat stored by another node fails it, and the insert that skips repeats takes the whole batch.
    let mayRepeat: Uint8Array | null = new Uint8Array(m);
    for (let i = 0; i < m; i++) mayRepeat[i] = this.#mayRepeat(sn[i], st[i]) ? 1 : 0;
    let duplicates = inBatch;
    const store = async (tx: Queryable) => {
      isNew = await storeReadings(tx, sn, st, sv, m, mayRepeat);
      duplicates = inBatch.slice();
      if (isNew) for (let i = 0; i < m; i++) if (!isNew[i]) duplicates[sf[i]]++;
      await addCounters(tx, countsOf(batch, duplicates), at);
    };
    try {
      try {
        await this.#db.transaction(store);
      } catch (error) {
        if (!mayRepeat || !isDuplicateKey(error)) throw error;
        mayRepeat = null;
        await this.#db.transaction(store);
      }
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
      for (let i = 0; i < w; i++) {
        const num = sn[i];
        if (st[i] > this.#lastSeen[num]) {
          this.#previousSeen[num] = this.#lastSeen[num];
          this.#lastSeen[num] = st[i];
        } else if (st[i] > this.#previousSeen[num]) {
          this.#previousSeen[num] = st[i];
        }
      }
      try {
        this.onStored?.(sn, st, sv, w);
      } catch (error) {
        this.#log.error({ err: error }, 'rollup update failed');
      }
    }
    this.#evaluate(sn, st, sv, w, express);
  }

  /**
   * Hands stored readings to the evaluator, one batch after another in commit order; an
   * express batch at once, ahead of bulk batches still waiting (their older readings of the
   * same sensors are then late).
   */
  #evaluate(sn: Int32Array, st: Float64Array, sv: Float64Array, w: number, express: boolean): void {
    const run = async () => {
      try {
        const evaluate = this.evaluator;
        if (!evaluate || w === 0) return;
        // In place: in-order readings to the front, late ones (older than the sensor's last evaluated) to the back, both in (sensor, ts) order.
        const late = { nums: new Int32Array(w), ts: new Float64Array(w), values: new Float64Array(w), n: 0 };
        let k = 0;
        for (let i = 0; i < w; i++) {
          const num = sn[i];
          if (st[i] <= this.#lastEvaluated[num]) {
            late.nums[late.n] = num;
            late.ts[late.n] = st[i];
            late.values[late.n++] = sv[i];
            continue;
          }
          this.#lastEvaluated[num] = st[i];
          sn[k] = num;
          st[k] = st[i];
          sv[k++] = sv[i];
        }
        if (k) await evaluate({ nums: sn, ts: st, values: sv, n: k }, express ? { express } : {});
        if (late.n) await evaluate(late, { late: true });
      } catch (error) {
        this.#log.error({ err: error }, 'rule evaluation failed');
      } finally {
        this.#inFlight -= w;
        this.#checkIdle();
      }
    };
    if (express) void run();
    else this.#evalTail = this.#evalTail.then(run);
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
