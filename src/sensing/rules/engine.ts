/**
 * The rule engine (规则引擎) in the ingest hot path. Per sensor, readings are evaluated strictly
 * in timestamp order against in-memory slots (rules/slots.ts); SQL happens only when a level
 * changes or state worth keeping across a restart changes, once per batch, in one
 * transaction with the alarm changes (alarms/ledger.ts).
 *
 * Late readings (older than, or as old as, the last one evaluated for the sensor) are stored by
 * ingest but do not move alarm state: the state has already moved past them and replaying
 * history would raise alarms for conditions that are over. They are counted (`stats.late`).
 *
 * Restart: slots are rebuilt from alarm_rule_state (saved with every transition and every
 * change of pending-since, counters and rate windows) and the active alarms, so a sustained
 * condition half-way through completes once, neither lost nor doubled. Not saved, by design:
 * burst windows and a flat-line not yet alarmed — each only delays a first detection by at
 * most its window. Offline counts from the newest stored reading the sensor source knows,
 * else from the start.
 */
import type { AppContext } from '../../app.ts';
import type { AlarmLevel, Reading, SensorInfo } from '../model.ts';
import { levelAt, levelRank, ruleKey, type Rule } from './model.ts';
import { resetLevel } from './levels.ts';
import { indexRules, rulesFor, type RuleIndex } from './resolve.ts';
import { compileRule, hydrate, newSlot, retarget, snapshot, stepBurst, stepOffline, stepReading, type Slot } from './slots.ts';
import { listRules, loadStates, seedDefaultRules } from './store.ts';
import type { CompiledSpec } from './levels.ts';
import { readingsAfter } from '../series-store.ts';

export interface RuleEngine {
  /** Called by the ingest pipeline with readings that are durably stored, sorted by (sensorId, ts);
   *  late readings (ts older than the sensor's last evaluated ts) are passed with late=true. */
  evaluate(batch: readonly Reading[], options: { late?: boolean }): Promise<void>;
  /** The same for the ingest hot path: columns of sensor numbers (`SensorSource.byNum`), times and values, no objects per reading. */
  evaluateColumns(batch: ReadingColumns, options: { late?: boolean }): Promise<void>;
  /** Periodic: offline / flat-line detection; called by a timer the engine owns when serving. */
  tick(now: Date): Promise<void>;
}

/** Readings as parallel columns, sorted by (sensor number, ts). */
export interface ReadingColumns { nums: ArrayLike<number>; ts: ArrayLike<number>; values: ArrayLike<number>; n: number }

/** Where sensors come from: the registry in memory (src/sensing/registry.ts). */
export interface SensorSource {
  get(id: string): SensorInfo | undefined;
  /** A sensor by its number (ingest's key), for `evaluateColumns`. */
  byNum?(num: number): SensorInfo | undefined;
  all(): Iterable<SensorInfo | undefined>;
  /** Epoch ms of the sensor's newest stored reading (0: none known), so offline counts survive a restart. */
  lastSeen?(id: string): number;
}

/** A level change of one (sensor or asset, rule). */
export interface LevelChange {
  subjectType: 'sensor' | 'asset';
  subjectId: string;
  ruleKey: string;
  rule: Rule;
  sensor: SensorInfo;
  from: AlarmLevel | null;
  to: AlarmLevel | null;
  at: number;
  value: number;
  /** What the rule compared: the value, a rate, an anomaly score, or 1 for a met condition. */
  derived: number;
}

export interface SavedState { subjectId: string; ruleKey: string; state: unknown }

/** The alarm side: knows active alarms, writes changes in one transaction, then follows up. */
export interface AlarmSink {
  activeLevel(subjectId: string, ruleKey: string): AlarmLevel | null;
  commit(changes: readonly LevelChange[], states: readonly SavedState[]): Promise<() => Promise<void>>;
  /** Reloads the active alarms of subjects this engine takes over from another node. */
  refresh?(subjectIds: readonly string[]): Promise<void>;
}

interface SensorRuntime {
  info: SensorInfo;
  lastTs: number;
  lastSeen: number;
  slots: Slot[];
  offline: Slot | null;
  /** Burst slots of the sensor's asset this sensor feeds, and on which side. */
  bursts: { slot: Slot; flow: boolean }[];
}

const TICK_SLICE = 5000;
/** Sensors per replay query when taking sensors over. */
const REPLAY_CHUNK = 2000;
const NO_BURSTS: { slot: Slot; flow: boolean }[] = [];

export interface EngineStats { evaluated: number; late: number; unknown: number; changes: number; saves: number }

export class LifelineRuleEngine implements RuleEngine {
  readonly stats: EngineStats = { evaluated: 0, late: 0, unknown: 0, changes: 0, saves: 0 };
  readonly #ctx: AppContext;
  readonly #sensors: SensorSource;
  readonly #alarms: AlarmSink;
  #index: RuleIndex = indexRules([]);
  readonly #runtimes = new Map<string, SensorRuntime>();
  /** The same runtimes by sensor number, for the columnar path. */
  #byNum: (SensorRuntime | undefined)[] = [];
  readonly #assetSlots = new Map<string, Slot>();
  /** Saved states not yet claimed by a runtime (sensors not seen since the start). */
  readonly #saved = new Map<string, unknown>();
  readonly #dirty = new Map<string, { subjectId: string; slot: Slot }>();
  /** Changes and state waiting for their transaction (kept, in order, when one fails). */
  #outbox: LevelChange[] = [];
  #outStates = new Map<string, SavedState>();
  #changes: LevelChange[] = [];
  readonly #keys = new Map<string, string>();
  /** Alarm transactions (and hand clears), one after another. */
  #chain: Promise<unknown> = Promise.resolve();
  /** Cases and case notes after the commits, in commit order; never holds up the next commit. */
  #followUps: Promise<unknown> = Promise.resolve();
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Which sensors this node evaluates (all, unless partitioned between nodes: src/sensing/partition.ts). */
  #owns: (info: SensorInfo) => boolean = () => true;
  /** Threshold specs of sensors evaluated elsewhere, for `mayEscalate` (cleared when rules change). */
  readonly #foreignSpecs = new Map<number, { sensorId: string; key: string; specs: CompiledSpec[] }>();

  constructor(ctx: AppContext, sensors: SensorSource, alarms: AlarmSink) {
    this.#ctx = ctx;
    this.#sensors = sensors;
    this.#alarms = alarms;
  }

  /** Seeds default rules if missing, loads rules and saved state. */
  async load(): Promise<void> {
    this.#startedAt = this.#ctx.clock().getTime();
    await seedDefaultRules(this.#ctx.db, this.#ctx.clock());
    for (const s of await loadStates(this.#ctx.db)) this.#saved.set(`${s.subjectId}|${s.ruleKey}`, s.state);
    await this.reloadRules();
  }

  /** After a rule changed: re-resolve every sensor seen so far, keeping levels and history. */
  async reloadRules(): Promise<void> {
    this.#index = indexRules(await listRules(this.#ctx.db));
    this.#foreignSpecs.clear();
    const runtimes = [...this.#runtimes.values()];
    this.#runtimes.clear();
    this.#byNum = [];
    for (const old of runtimes) {
      const fresh = this.#runtime(this.#sensors.get(old.info.id) ?? old.info, old);
      fresh.lastTs = old.lastTs;
      fresh.lastSeen = old.lastSeen;
    }
  }

  /** Starts the periodic offline check. */
  start(intervalMs = 15_000): () => void {
    this.#timer = setInterval(() => {
      this.tick(this.#ctx.clock()).catch((error: unknown) => this.#ctx.log.error({ err: error }, 'alarm tick failed'));
    }, intervalMs);
    this.#timer.unref();
    return () => clearInterval(this.#timer);
  }

  async evaluate(batch: readonly Reading[], options: { late?: boolean } = {}): Promise<void> {
    if (options.late) {
      this.stats.late += batch.length;
      return;
    }
    for (const r of batch) {
      const rt = this.#runtimeOf(r.sensorId);
      if (!rt) this.stats.unknown++;
      else this.#step(rt, r.ts, r.value);
    }
    await this.#flush();
  }

  async evaluateColumns(batch: ReadingColumns, options: { late?: boolean } = {}): Promise<void> {
    if (options.late) {
      this.stats.late += batch.n;
      return;
    }
    const { nums, ts, values } = batch;
    for (let i = 0; i < batch.n; i++) {
      const num = nums[i];
      const rt = this.#runtimeOfNum(num);
      if (!rt) this.stats.unknown++;
      else this.#step(rt, ts[i], values[i]);
    }
    await this.#flush();
  }

  /**
   * Whether a reading of sensor `num` may raise or escalate one of its threshold alarms: the
   * value is at or past a create threshold above the current level. A look only (no state
   * changes); the ingest pipeline stores such readings in its express lane.
   */
  mayEscalate(num: number, value: number): boolean {
    const rt = this.#runtimeOfNum(num);
    if (!rt) return this.#mayEscalateElsewhere(num, value);
    for (const slot of rt.slots) {
      if (slot.rule.kind !== 'threshold') continue;
      const x = slot.spec.sign * value;
      for (let i = slot.lv.level; i < 4; i++) if (x >= slot.spec.create[i]) return true;
    }
    return false;
  }

  /**
   * For a sensor another node evaluates: whether the value reaches a create threshold above the
   * level of its active alarm as this node's ledger knows it (it follows the other nodes' alarm events).
   */
  #mayEscalateElsewhere(num: number, value: number): boolean {
    let foreign = this.#foreignSpecs.get(num);
    if (!foreign) {
      const info = this.#sensors.byNum?.(num);
      if (!info) return false;
      foreign = { sensorId: info.id, key: this.#key(info.type, 'threshold'), specs: rulesFor(this.#index, info).own.filter((r) => r.kind === 'threshold').map(compileRule) };
      this.#foreignSpecs.set(num, foreign);
    }
    for (const spec of foreign.specs) {
      const x = spec.sign * value;
      if (!(x >= spec.create[0] || x >= spec.create[1] || x >= spec.create[2] || x >= spec.create[3])) continue;
      // Only past some threshold: is it past one above the current level?
      for (let i = levelRank(this.#alarms.activeLevel(foreign.sensorId, foreign.key)); i < 4; i++) if (x >= spec.create[i]) return true;
    }
    return false;
  }

  /**
   * Partitioned between nodes: `owns` says which sensors this node evaluates. Runtimes are made
   * only for those; `release` drops the others, `adopt` takes new ones over.
   */
  setOwnership(owns: (info: SensorInfo) => boolean): void {
    this.#owns = owns;
  }

  /** Drops the runtimes (and asset slots) of sensors this node no longer evaluates; call inside `exclusive`. */
  release(): number {
    let dropped = 0;
    for (const [id, rt] of this.#runtimes) {
      if (this.#owns(rt.info)) continue;
      this.#runtimes.delete(id);
      dropped++;
    }
    if (dropped === 0) return 0;
    this.#byNum = [];
    this.#foreignSpecs.clear();
    const kept = new Set<Slot>();
    for (const rt of this.#runtimes.values()) for (const b of rt.bursts) kept.add(b.slot);
    for (const [id, slot] of this.#assetSlots) if (!kept.has(slot)) this.#assetSlots.delete(id);
    return dropped;
  }

  /**
   * Takes sensors over from another node (which died, left, or gave them up to a new node):
   * their saved state and active alarms are read afresh, then their stored readings are evaluated
   * again from where the saved state ends — each sensor from the newest reading its saved state
   * reflects (`upTo`), but not from before `since`. Readings of one sensor that were evaluated
   * by the old owner without changing saved state change nothing when evaluated again.
   * Readings of these sensors must not reach `evaluate*` meanwhile (the partition holds them
   * back). Not inside `exclusive`: it commits its changes like a batch. Returns the readings evaluated.
   */
  async adopt(sensors: readonly (SensorInfo & { num: number })[], since: number): Promise<number> {
    if (sensors.length === 0) return 0;
    const subjects = [...new Set(sensors.flatMap((s) => (s.assetId ? [s.id, s.assetId] : [s.id])))];
    const upTo = new Map<string, number>();
    const taken = new Set(subjects);
    // What this node knew of them is stale: the old owner moved on since.
    for (const key of this.#saved.keys()) if (taken.has(key.slice(0, key.lastIndexOf('|')))) this.#saved.delete(key);
    for (const id of this.#assetSlots.keys()) if (taken.has(id.slice(0, id.lastIndexOf('|')))) this.#assetSlots.delete(id);
    for (const s of sensors) this.#runtimes.delete(s.id);
    for (let i = 0; i < subjects.length; i += 10_000) {
      const part = subjects.slice(i, i + 10_000);
      for (const st of await loadStates(this.#ctx.db, part)) {
        this.#saved.set(`${st.subjectId}|${st.ruleKey}`, st.state);
        const t = (st.state as { upTo?: number } | null)?.upTo;
        if (typeof t === 'number' && t > (upTo.get(st.subjectId) ?? Number.NEGATIVE_INFINITY)) upTo.set(st.subjectId, t);
      }
      await this.#alarms.refresh?.(part);
    }
    this.#byNum = [];
    const now = this.#ctx.clock().getTime();
    let replayed = 0;
    for (let i = 0; i < sensors.length; i += REPLAY_CHUNK) {
      const part = sensors.slice(i, i + REPLAY_CHUNK);
      const starts = part.map((s) => Math.max(since, upTo.get(s.id) ?? Number.NEGATIVE_INFINITY));
      part.forEach((s, k) => {
        const rt = this.#runtime(s);
        rt.lastTs = starts[k];
        rt.lastSeen = Math.max(rt.lastSeen, Math.min(now, starts[k]));
        this.#byNum[s.num] = rt;
      });
      const rows = await readingsAfter(this.#ctx.db, part.map((s) => s.num), starts);
      for (const r of rows) {
        const rt = this.#byNum[r.num];
        if (rt) this.#step(rt, r.ts, r.value);
      }
      replayed += rows.length;
      await this.#flush();
    }
    return replayed;
  }

  /** One reading of a sensor through its slots, its offline slot (to clear it) and its asset's burst slots. */
  #step(rt: SensorRuntime, ts: number, value: number): void {
    if (ts <= rt.lastTs) { this.stats.late++; return; }
    rt.lastTs = ts;
    rt.lastSeen = ts;
    this.stats.evaluated++;
    for (const slot of rt.slots) {
      const from = slot.lv.level;
      const result = stepReading(slot, ts, value);
      if (result) this.#note(rt.info, rt.info.id, 'sensor', slot, from, result.changed, ts, value, result.derived);
    }
    if (rt.offline && rt.offline.lv.level > 0) {
      const from = rt.offline.lv.level;
      const result = stepReading(rt.offline, ts, value)!;
      this.#note(rt.info, rt.info.id, 'sensor', rt.offline, from, result.changed, ts, value, 0);
    }
    for (const { slot, flow } of rt.bursts) {
      const from = slot.lv.level;
      const result = stepBurst(slot, rt.info.id, flow, ts, value);
      this.#note(rt.info, rt.info.assetId!, 'asset', slot, from, result.changed, ts, value, result.derived);
    }
  }

  async tick(now: Date): Promise<void> {
    const t = now.getTime();
    let n = 0;
    for (const info of this.#sensors.all()) {
      if (!info) continue;
      // Hand the event loop back now and then: 200,000 sensors must not stall ingest.
      if (++n % TICK_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      // Sensors evaluated on another node are checked there.
      if (!this.#owns(info)) continue;
      const rt = this.#runtimes.get(info.id) ?? this.#runtime(info);
      const slot = rt.offline;
      if (!slot) continue;
      const from = slot.lv.level;
      const changed = stepOffline(slot, t, rt.lastSeen, info.intervalSeconds);
      if (changed || slot.lv.level !== from) this.#note(info, info.id, 'sensor', slot, from, changed, t, Number.NaN, slot.lv.level ? 1 : 0);
    }
    await this.#flush();
  }

  /** Waits until every change so far is written and followed up (events, cases). */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    let seenFollowUps: Promise<unknown>;
    do {
      seen = this.#chain;
      seenFollowUps = this.#followUps;
      await seen;
      await seenFollowUps;
    } while (seen !== this.#chain || seenFollowUps !== this.#followUps);
  }

  /** Runs `fn` between batches, after their cases (a manual change to an alarm must not interleave with one). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => this.#followUps).then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** A hand-cleared alarm: the condition must be met anew to raise it again. */
  forget(subjectId: string, key: string): void {
    const slot = this.#assetSlots.get(`${subjectId}|${key}`)
      ?? [...(this.#runtimes.get(subjectId)?.slots ?? []), this.#runtimes.get(subjectId)?.offline].find((s) => s?.key === key);
    if (slot) resetLevel(slot.lv);
    this.#saved.delete(`${subjectId}|${key}`);
    this.#dirty.delete(`${subjectId}|${key}`);
    this.#outStates.delete(`${subjectId}|${key}`);
  }

  /** Sensors known to the engine's source, for vital signs. */
  sensors(): Iterable<SensorInfo | undefined> {
    return this.#sensors.all();
  }

  #note(sensor: SensorInfo, subjectId: string, subjectType: 'sensor' | 'asset', slot: Slot, from: number, changed: boolean, at: number, value: number, derived: number): void {
    if (changed) this.#dirty.set(`${subjectId}|${slot.key}`, { subjectId, slot });
    if (slot.lv.level === from) return;
    this.stats.changes++;
    this.#changes.push({
      subjectType, subjectId, ruleKey: slot.key, rule: slot.rule, sensor, from: levelAt(from), to: levelAt(slot.lv.level),
      at, value, derived,
    });
  }

  /** Queues the batch's changes and changed state, and waits until they are committed. */
  async #flush(): Promise<void> {
    if (this.#changes.length === 0 && this.#dirty.size === 0) return;
    this.#outbox.push(...this.#changes);
    this.#changes = [];
    const now = this.#ctx.clock().getTime();
    for (const [k, { subjectId, slot }] of this.#dirty) {
      // The newest reading this state reflects: a node taking the sensor over evaluates only what is newer.
      const upTo = this.#runtimes.get(subjectId)?.lastTs;
      const state = snapshot(slot, now) as Record<string, unknown>;
      this.#outStates.set(k, { subjectId, ruleKey: slot.key, state: upTo !== undefined && Number.isFinite(upTo) ? { ...state, upTo } : state });
    }
    this.stats.saves += this.#dirty.size;
    this.#dirty.clear();
    const committed = this.#chain.then(() => this.#commitOutbox());
    this.#chain = committed.catch(() => undefined);
    this.#followUps = this.#followUps.then(() => committed).then((followUp) => followUp(), () => undefined)
      .catch((error: unknown) => this.#ctx.log.error({ err: error }, 'alarm follow-up failed'));
    await committed;
  }

  /** Commits everything queued so far in one transaction; after a failure it stays queued, in order, for the next. */
  async #commitOutbox(): Promise<() => Promise<void>> {
    const changes = this.#outbox;
    const states = this.#outStates;
    this.#outbox = [];
    this.#outStates = new Map();
    if (changes.length === 0 && states.size === 0) return async () => undefined;
    try {
      return await this.#alarms.commit(changes, [...states.values()]);
    } catch (error) {
      this.#outbox = [...changes, ...this.#outbox];
      for (const [k, st] of states) if (!this.#outStates.has(k)) this.#outStates.set(k, st);
      throw error;
    }
  }

  #runtimeOfNum(num: number): SensorRuntime | undefined {
    const rt = this.#byNum[num];
    if (rt) return rt;
    const info = this.#sensors.byNum?.(num);
    const made = info && this.#owns(info) ? this.#runtimeOf(info.id) : undefined;
    if (made) this.#byNum[num] = made;
    return made;
  }

  #runtimeOf(sensorId: string): SensorRuntime | undefined {
    const rt = this.#runtimes.get(sensorId);
    if (rt) return rt;
    const info = this.#sensors.get(sensorId);
    return info && this.#owns(info) ? this.#runtime(info) : undefined;
  }

  /** Builds (or rebuilds after a rule change) a sensor's slots, restoring saved state and the active alarm's level. */
  #runtime(info: SensorInfo, previous?: SensorRuntime): SensorRuntime {
    const applicable = rulesFor(this.#index, info);
    const old = new Map([...(previous?.slots ?? []), ...(previous?.offline ? [previous.offline] : [])].map((s) => [s.key, s]));
    const rt: SensorRuntime = { info, lastTs: Number.NEGATIVE_INFINITY, lastSeen: this.#sensors.lastSeen?.(info.id) || this.#startedAt, slots: [], offline: null, bursts: NO_BURSTS };
    for (const rule of applicable.own) {
      const key = this.#key(info.type, rule.kind);
      if (rule.kind === 'burst') {
        if (rt.bursts === NO_BURSTS) rt.bursts = [];
        rt.bursts.push({ slot: this.#assetSlot(info.assetId!, key, rule), flow: false });
        continue;
      }
      const slot = this.#slot(info.id, key, rule, old.get(key));
      if (rule.kind === 'offline') rt.offline = slot;
      else rt.slots.push(slot);
    }
    for (const rule of applicable.flowOf) {
      if (rt.bursts === NO_BURSTS) rt.bursts = [];
      rt.bursts.push({ slot: this.#assetSlot(info.assetId!, this.#key(rule.sensorType, 'burst'), rule), flow: true });
    }
    // Exact-size arrays: a pushed-to array keeps spare capacity, times 200,000 sensors.
    rt.slots = rt.slots.slice();
    this.#runtimes.set(info.id, rt);
    return rt;
  }

  /** One string per rule key, shared by every slot (200,000 sensors would otherwise hold a copy each). */
  #key(sensorType: string, kind: Rule['kind']): string {
    const key = ruleKey(sensorType, kind);
    let interned = this.#keys.get(key);
    if (!interned) this.#keys.set(key, (interned = key));
    return interned;
  }

  #assetSlot(assetId: string, key: string, rule: Rule): Slot {
    const id = `${assetId}|${key}`;
    const existing = this.#assetSlots.get(id);
    if (existing) {
      if (existing.rule !== rule) retarget(existing, rule);
      return existing;
    }
    const slot = this.#slot(assetId, key, rule, undefined);
    this.#assetSlots.set(id, slot);
    return slot;
  }

  #slot(subjectId: string, key: string, rule: Rule, previous: Slot | undefined): Slot {
    if (previous && previous.rule.kind === rule.kind) {
      retarget(previous, rule);
      return previous;
    }
    const slot = newSlot(rule, key);
    const saved = this.#saved.get(`${subjectId}|${key}`);
    if (saved !== undefined) {
      hydrate(slot, saved);
      this.#saved.delete(`${subjectId}|${key}`);
    }
    // The alarm table is the truth about levels (a hand clear resets the state row with it).
    slot.lv.level = levelRank(this.#alarms.activeLevel(subjectId, key));
    return slot;
  }
}
