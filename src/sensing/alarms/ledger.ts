/**
 * The alarm ledger (告警台账): the active alarms in memory, one per (sensor or asset, rule), and
 * the writer of the engine's level changes. A batch's changes and the engine's saved state go
 * in one transaction (so a restart never sees one without the other); the events go out right
 * after the commit, and cases and case notes follow on their own queue, in order, so opening a
 * case never holds up the next alarm.
 */
import type { AppContext } from '../../app.ts';
import { appendAudit, appendAuditBatch, type AuditInput } from '../../audit/index.ts';
import type { AlarmLevel } from '../model.ts';
import { levelRank } from '../rules/model.ts';
import type { AlarmSink, LevelChange, SavedState } from '../rules/engine.ts';
import { saveStates } from '../rules/store.ts';
import { ALARM_CLIENT, levelNote, noteOnCase, openCaseFor, opensCase } from './case-link.ts';
import { alarmEvent, type AlarmEventType } from './events.ts';
import * as store from './store.ts';
import type { Alarm } from './store.ts';

interface Outcome { type: AlarmEventType; alarm: Alarm; from: AlarmLevel | null; categoryCode: string | null }

const keyOf = (subjectId: string, ruleKey: string) => `${subjectId}|${ruleKey}`;

export class AlarmLedger implements AlarmSink {
  readonly #ctx: AppContext;
  readonly #active = new Map<string, Alarm>();
  /** sensorId → active alarms naming it (its own and its asset's are separate keys). */
  readonly #bySensor = new Map<string, Set<string>>();
  /** Cases linked since the outcomes queued for follow-up were taken (their alarm copies may predate the link). */
  readonly #linked = new Map<string, string>();

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  async load(): Promise<void> {
    for (const a of await store.activeAlarms(this.#ctx.db)) this.remember(a);
  }

  /** Reloads the active alarms of some subjects (taken over from another node, which may have raised or moved them). */
  async refresh(subjectIds: readonly string[]): Promise<void> {
    const wanted = new Set(subjectIds);
    for (const a of [...this.#active.values()]) if (wanted.has(a.subjectId)) this.remember({ ...a, state: 'cleared' });
    for (const a of await store.activeAlarms(this.#ctx.db, subjectIds)) this.remember(a);
  }

  activeLevel(subjectId: string, ruleKey: string): AlarmLevel | null {
    return this.#active.get(keyOf(subjectId, ruleKey))?.level ?? null;
  }

  /** The highest level among a sensor's active alarms (for its status on the map). */
  highestLevel(sensorId: string): AlarmLevel | null {
    let best: AlarmLevel | null = null;
    for (const key of this.#bySensor.get(sensorId) ?? []) {
      const level = this.#active.get(key)?.level ?? null;
      if (levelRank(level) > levelRank(best)) best = level;
    }
    return best;
  }

  active(): IterableIterator<Alarm> {
    return this.#active.values();
  }

  /** Keeps the in-memory copy in step with a saved alarm. */
  remember(a: Alarm): void {
    const key = keyOf(a.subjectId, a.ruleKey);
    if (a.state === 'active') {
      this.#active.set(key, a);
      if (a.sensorId) {
        let keys = this.#bySensor.get(a.sensorId);
        if (!keys) this.#bySensor.set(a.sensorId, (keys = new Set()));
        keys.add(key);
      }
    } else if (this.#active.get(key)?.id === a.id) {
      this.#active.delete(key);
      if (a.sensorId) this.#bySensor.get(a.sensorId)?.delete(key);
    }
  }

  async commit(changes: readonly LevelChange[], states: readonly SavedState[]): Promise<() => Promise<void>> {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const outcomes: Outcome[] = [];
    const working = new Map<string, Alarm | null>();
    const vanished: Alarm[] = [];
    await ctx.db.transaction(async (tx) => {
      // Audit entries go in at the end, their chains locked in one order (other nodes write alarms at the same time).
      const audits: AuditInput[] = [];
      for (const ch of changes) {
        const key = keyOf(ch.subjectId, ch.ruleKey);
        let current = working.has(key) ? working.get(key)! : this.#active.get(key) ?? null;
        const at = new Date(ch.at).toISOString();
        if (!current) {
          if (!ch.to) continue;
          const a = newAlarm(ctx, ch, ch.to, at);
          if (await store.insertAlarm(tx, a)) {
            await store.appendAlarmEvent(tx, a.id, { at, action: 'raise', fromLevel: null, toLevel: ch.to, actor: null, note: null, data: { value: ch.value, derived: ch.derived, ruleId: ch.rule.id, ruleVersion: ch.rule.version } });
            audits.push({ at: now, actor: ALARM_CLIENT, action: 'alarm.raise', entityType: 'alarm', entityId: a.id, after: a });
            working.set(key, a);
            outcomes.push({ type: 'alarm.raised', alarm: a, from: null, categoryCode: ch.rule.categoryCode });
            continue;
          }
          // Raised meanwhile by the node that evaluated this subject before: this change moves that alarm.
          current = (await store.lockActiveAlarm(tx, ch.subjectId, ch.ruleKey)) ?? null;
          if (!current) continue;
          if (current.level === ch.to) {
            working.set(key, current);
            continue;
          }
        }
        const cleared = ch.to === null;
        const action = cleared ? 'clear' : levelRank(ch.to) > levelRank(current.level) ? 'escalate' : 'deescalate';
        const saved = await store.moveAlarm(tx, current.id, { level: ch.to ?? current.level, cleared, value: Number.isFinite(ch.value) ? ch.value : null, at });
        if (!saved) {
          // Cleared by hand meanwhile (on any node): nothing to move; the engine hears of the clear.
          working.set(key, null);
          vanished.push(current);
          continue;
        }
        await store.appendAlarmEvent(tx, current.id, { at, action, fromLevel: current.level, toLevel: ch.to, actor: null, note: null, data: { value: ch.value, derived: ch.derived } });
        audits.push({ at: now, actor: ALARM_CLIENT, action: `alarm.${action}`, entityType: 'alarm', entityId: current.id, before: { level: current.level, state: current.state }, after: { level: saved.level, state: saved.state } });
        working.set(key, cleared ? null : saved);
        outcomes.push({ type: cleared ? 'alarm.cleared' : action === 'escalate' ? 'alarm.escalated' : 'alarm.deescalated', alarm: saved, from: current.level, categoryCode: ch.rule.categoryCode });
      }
      await appendAuditBatch(tx, audits);
      await saveStates(tx, states, now);
    });
    for (const a of vanished) this.remember({ ...a, state: 'cleared' });
    for (const [key, a] of working) if (a && !this.#active.has(key)) this.remember(a);
    for (const o of outcomes) {
      this.remember(o.alarm);
      ctx.bus.publish(alarmEvent(ctx, o.type, o.alarm, { fromLevel: o.from }));
    }
    return () => this.#followUp(outcomes);
  }

  /** Cases opened for orange and red; level changes and clearing noted on the case. */
  async #followUp(outcomes: readonly Outcome[]): Promise<void> {
    const ctx = this.#ctx;
    for (const o of outcomes) {
      const caseId = o.alarm.caseId ?? this.#linked.get(o.alarm.id) ?? null;
      try {
        if (!caseId && o.alarm.state === 'active' && opensCase(o.alarm.level)) {
          this.#linked.set(o.alarm.id, await this.linkCase(o.alarm, o.categoryCode));
        } else if (caseId && o.type !== 'alarm.raised') {
          await noteOnCase(ctx, { ...o.alarm, caseId }, levelNote(o.from, o.alarm.state === 'cleared' ? null : o.alarm.level, 'auto'), { value: o.alarm.value });
        }
      } catch (error) {
        ctx.log.error({ err: error, alarmId: o.alarm.id }, 'alarm case link failed');
      }
      if (o.alarm.state === 'cleared') this.#linked.delete(o.alarm.id);
    }
  }

  /** Opens the alarm's case and records the link on the alarm. */
  async linkCase(a: Alarm, categoryCode: string | null): Promise<string> {
    const ctx = this.#ctx;
    const caseId = await openCaseFor(ctx, a, categoryCode);
    const now = ctx.clock();
    const saved = await ctx.db.transaction(async (tx) => {
      const row = await store.linkAlarmCase(tx, a.id, caseId, now.toISOString());
      if (!row) throw new Error(`alarm ${a.id} vanished`);
      await store.appendAlarmEvent(tx, a.id, { at: now.toISOString(), action: 'case', fromLevel: row.level, toLevel: row.level, actor: null, note: null, data: { caseId } });
      await appendAudit(tx, { at: now, actor: ALARM_CLIENT, action: 'alarm.case', entityType: 'alarm', entityId: a.id, after: { caseId } });
      return row;
    });
    // Only the link: the engine may have remembered a newer level of this alarm meanwhile.
    const key = keyOf(saved.subjectId, saved.ruleKey);
    const known = this.#active.get(key);
    if (known?.id === saved.id) this.#active.set(key, { ...known, caseId, version: Math.max(known.version, saved.version) });
    ctx.bus.publish(alarmEvent(ctx, 'alarm.case-opened', saved));
    return caseId;
  }
}

function newAlarm(ctx: AppContext, ch: LevelChange, level: AlarmLevel, at: string): Alarm {
  const s = ch.sensor;
  return {
    id: ctx.newId('alm'), ruleKey: ch.ruleKey, kind: ch.rule.kind, subjectType: ch.subjectType, subjectId: ch.subjectId,
    sensorId: ch.subjectType === 'sensor' ? s.id : null, sensorType: s.type, assetId: s.assetId, level, peakLevel: level, state: 'active',
    acknowledgedAt: null, acknowledgedBy: null, assigneeUserId: null, assigneeUnitId: null, ownerUnitId: s.ownerUnitId,
    divisionCodes: s.divisionCodes, districtCode: s.divisionCodes[1] ?? s.divisionCodes[0], streetCode: s.divisionCodes[2] ?? null,
    lon: s.lon, lat: s.lat, value: Number.isFinite(ch.value) ? ch.value : null, raisedAt: at, updatedAt: at, clearedAt: null, caseId: null, version: 1,
  };
}
