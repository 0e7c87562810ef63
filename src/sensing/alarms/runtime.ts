/**
 * The running rule engine and alarm ledger of one application context. Ingest hands readings
 * to `engine.evaluate`; alarm routes reach the same instances here.
 */
import type { AppContext } from '../../app.ts';
import { nodeChannelOf } from '../../cluster/index.ts';
import { LifelineRuleEngine, type SensorSource } from '../rules/engine.ts';
import { sensing } from '../index.ts';
import { SensorPartition } from '../partition.ts';
import { AlarmLedger } from './ledger.ts';
import { getAlarm } from './store.ts';

export interface Lifeline { engine: LifelineRuleEngine; ledger: AlarmLedger; partition?: SensorPartition }

/** Told to the other nodes when a rule changed, so they evaluate with it too. */
const RULES_TOPIC = 'alarm-rules';

const running = new WeakMap<AppContext, Lifeline>();

export function lifelineOf(ctx: AppContext): Lifeline | undefined {
  return running.get(ctx);
}

/** Loads rules, active alarms and saved engine state; replaces any engine of this context. */
export async function loadLifeline(ctx: AppContext, sensors: SensorSource): Promise<Lifeline> {
  const ledger = new AlarmLedger(ctx);
  await ledger.load();
  const engine = new LifelineRuleEngine(ctx, sensors, ledger);
  await engine.load();
  const lifeline = { engine, ledger };
  running.set(ctx, lifeline);
  return lifeline;
}

/**
 * Plugs rules and alarms into the running sensing feature: ingest evaluates every stored batch,
 * sensors show their alarm level, and (when `tickMs` is given) the offline check runs.
 *
 * With several nodes (NATS), evaluation is partitioned between them (src/sensing/partition.ts),
 * rule changes are told to every node, and each node's alarm ledger follows the alarm events of
 * the others (levels for sensor status; a clear by hand resets the owner's rule state).
 */
export async function startLifeline(ctx: AppContext, options: { tickMs?: number } = {}): Promise<Lifeline & { stop(): Promise<void> }> {
  const s = sensing(ctx);
  await s.registry.ready();
  const lifeline: Lifeline = await loadLifeline(ctx, {
    get: (id) => s.sensorInfo(id),
    byNum: (num) => s.registry.byNum(num),
    all: () => s.sensors(),
    lastSeen: (id) => {
      const e = s.registry.get(id);
      return e ? s.lastSeen(e.num) : 0;
    },
  });
  const { engine, ledger } = lifeline;
  const channel = nodeChannelOf(ctx.bus);
  const stops: (() => void)[] = [];
  if (channel) {
    const partition = new SensorPartition({ cluster: ctx.cluster, channel, engine, registry: s.registry, log: ctx.log, clock: ctx.clock, leaseMs: ctx.config.nodeLeaseMs });
    lifeline.partition = partition;
    s.setEvaluator({ evaluate: (batch, o) => engine.evaluate(batch, o), evaluateColumns: partition.evaluate, mayEscalate: (num, value) => engine.mayEscalate(num, value) });
    stops.push(channel.onMessage(RULES_TOPIC, () => {
      engine.reloadRules().catch((error: unknown) => ctx.log.error({ err: error }, 'alarm rules not reloaded'));
    }));
    stops.push(ctx.bus.subscribe((event, origin) => {
      if (origin !== 'remote' || !event.type.startsWith('alarm.')) return;
      void followRemoteAlarm(ctx, lifeline, event.subject.id, (event.payload as { byHand?: boolean }).byHand === true)
        .catch((error: unknown) => ctx.log.error({ err: error, alarmId: event.subject.id }, 'alarm from another node not followed'));
    }));
    await partition.start();
  } else {
    s.setEvaluator(engine);
  }
  s.setAlarmLookup((id) => ledger.highestLevel(id));
  const stopTicks = options.tickMs ? engine.start(options.tickMs) : () => undefined;
  running.set(ctx, lifeline);
  return {
    ...lifeline,
    async stop() {
      stopTicks();
      for (const stop of stops) stop();
      await lifeline.partition?.stop();
      s.setEvaluator(undefined);
      await engine.idle();
    },
  };
}

/** After a rule was saved on this node: evaluate with it here and on every other node. */
export async function rulesChanged(ctx: AppContext): Promise<void> {
  await lifelineOf(ctx)?.engine.reloadRules();
  nodeChannelOf(ctx.bus)?.send(RULES_TOPIC, new Uint8Array(0));
}

/** Another node changed an alarm: keep this ledger's copy current; a clear by hand resets the rule state if this node evaluates it. */
async function followRemoteAlarm(ctx: AppContext, lifeline: Lifeline, alarmId: string, byHand: boolean): Promise<void> {
  const alarm = await getAlarm(ctx.db, alarmId);
  if (!alarm) return;
  if (byHand && alarm.state === 'cleared') {
    await lifeline.engine.exclusive(async () => {
      lifeline.ledger.remember(alarm);
      lifeline.engine.forget(alarm.subjectId, alarm.ruleKey);
    });
    return;
  }
  lifeline.ledger.remember(alarm);
}
