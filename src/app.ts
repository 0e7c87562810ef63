/**
 * The application context handed to every feature: configuration, storage, the loaded
 * city model, the clock and the logger. Built once per process (or per test).
 */
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './storage/db.ts';
import type { CityModel } from './divisions/city-model.ts';
import { calendarDate, systemClock, type Clock } from './clock.ts';
import type { IdGenerator } from './ids.ts';
import { newId } from './ids.ts';
import { MemoryEventBus, type EventBus } from './events/bus.ts';
import { soloCluster, type Cluster } from './cluster/index.ts';

export interface AppContext {
  config: Config;
  db: Db;
  city: CityModel;
  clock: Clock;
  newId: IdGenerator;
  log: Logger;
  /** Domain events out: live consoles, inboxes, webhooks. */
  bus: EventBus;
  /** The nodes serving this database and who owns partitioned work (one node: this one owns all). */
  cluster: Cluster;
  /** Today's calendar date in the city's time zone. */
  today(): string;
}

export function makeContext(parts: { config: Config; db: Db; city: CityModel; log: Logger; clock?: Clock; newId?: IdGenerator; bus?: EventBus; cluster?: Cluster }): AppContext {
  const clock = parts.clock ?? systemClock;
  return {
    config: parts.config,
    db: parts.db,
    city: parts.city,
    log: parts.log,
    clock,
    newId: parts.newId ?? newId,
    bus: parts.bus ?? new MemoryEventBus((error, event) => parts.log.error({ err: error, event: event.type }, 'event handler failed')),
    cluster: parts.cluster ?? soloCluster(parts.config.nodeId),
    today: () => calendarDate(clock(), parts.config.timeZone),
  };
}
