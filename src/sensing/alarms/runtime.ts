/**
 * The running rule engine and alarm ledger of one application context. Ingest hands readings
 * to `engine.evaluate`; alarm routes reach the same instances here.
 */
import type { AppContext } from '../../app.ts';
import { LifelineRuleEngine, type SensorSource } from '../rules/engine.ts';
import { sensing } from '../index.ts';
import { AlarmLedger } from './ledger.ts';

export interface Lifeline { engine: LifelineRuleEngine; ledger: AlarmLedger }

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
 */
export async function startLifeline(ctx: AppContext, options: { tickMs?: number } = {}): Promise<Lifeline & { stop(): Promise<void> }> {
  const s = sensing(ctx);
  await s.registry.ready();
  const lifeline = await loadLifeline(ctx, {
    get: (id) => s.sensorInfo(id),
    byNum: (num) => s.registry.byNum(num),
    all: () => s.sensors(),
    lastSeen: (id) => {
      const e = s.registry.get(id);
      return e ? s.lastSeen(e.num) : 0;
    },
  });
  s.setEvaluator(lifeline.engine);
  s.setAlarmLookup((id) => lifeline.ledger.highestLevel(id));
  const stopTicks = options.tickMs ? lifeline.engine.start(options.tickMs) : () => undefined;
  return {
    ...lifeline,
    async stop() {
      stopTicks();
      s.setEvaluator(undefined);
      await lifeline.engine.idle();
    },
  };
}
