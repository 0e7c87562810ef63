/**
 * The delivery side of the event bus. Every published event is, in order: logged in
 * `event_log` with one webhook delivery per matching subscription (one transaction; only by
 * the node that published it, so once cluster-wide; the subscriptions' filters are kept in
 * memory, re-read when any node changes one and at least every WEBHOOK_FILTERS_MS), kept in
 * an in-memory ring of recent events, and written to each live stream whose principal may
 * see it. Streams resume with Last-Event-ID from the ring, or from the log after a restart,
 * within the last `ringSize` events and `replayWindowMs`.
 */
import type { AppContext } from '../app.ts';
import { calendarDate } from '../clock.ts';
import { nodeChannelOf } from '../cluster/index.ts';
import type { DomainEvent, EventOrigin } from '../events/bus.ts';
import { divisionChain, receives } from './audience.ts';
import { eventFrame, HEARTBEAT_FRAME, resetFrame, type SseConnection } from './sse.ts';
import * as store from './store.ts';
import { webhookTakes } from './webhook-rules.ts';

export interface StreamOptions {
  /** Recent events kept for resume, and the most a resume replays. */
  ringSize: number;
  /** A resume replays nothing older than this. */
  replayWindowMs: number;
  /** Comment lines keep proxies from closing quiet streams and re-check the sign-in. */
  heartbeatMs: number;
  /** Unread bytes a client may leave in server memory before it is dropped. */
  maxBufferedBytes: number;
}

export const STREAM_DEFAULTS: StreamOptions = {
  ringSize: 1000,
  replayWindowMs: 24 * 3_600_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1 << 20,
};

interface Entry {
  event: DomainEvent;
  /** The event's divisions, most specific first. */
  chain: string[];
  frame: string;
  atMs: number;
  /** Published on this node: this node logs it. */
  local: boolean;
}

class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    const capacity = this.#items.length;
    if (capacity === 0) return;
    this.#items[(this.#start + this.#size) % capacity] = item;
    if (this.#size < capacity) this.#size++;
    else this.#start = (this.#start + 1) % capacity;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.#items.length] as T);
    return out;
  }
}

/** Drops the nulls an optional field (a case without a community) leaves in a list. */
const present = (values: readonly (string | null | undefined)[] | undefined): string[] =>
  (values ?? []).filter((v): v is string => typeof v === 'string' && v.length > 0);

/** Fills gaps a careless publisher may leave, so one odd event cannot break the stream or the log. */
/** Most events logged in one transaction. */
const MAX_BATCH = 500;

function normalise(event: DomainEvent, now: Date): DomainEvent {
  const at = new Date(event.at);
  const scope = event.scope ?? { divisionCodes: [], unitIds: [], userIds: [] };
  return {
    ...event,
    at: Number.isNaN(at.getTime()) ? now.toISOString() : at.toISOString(),
    scope: { divisionCodes: present(scope.divisionCodes), unitIds: present(scope.unitIds), userIds: present(scope.userIds) },
  };
}

interface Listener {
  connection: SseConnection;
  /** Live events waiting while a replay from the log runs. */
  held: Entry[] | null;
}

/** Hubs running per context, so health checks and tests can count live streams. */
const running = new WeakMap<AppContext, Set<EventHub>>();

/** Longest a hub uses webhook filters read from the database without reading them again. */
const WEBHOOK_FILTERS_MS = 30_000;
/** Node-channel topic: a webhook subscription changed somewhere in the cluster. */
const WEBHOOKS_TOPIC = 'webhooks';

type WebhookFilters = Awaited<ReturnType<typeof store.activeWebhookFilters>>;

/**
 * Tells this node's hubs, and every other node's, that a webhook subscription was created,
 * changed or removed: events logged from now on are matched against the filters as they are.
 */
export function webhooksChanged(ctx: AppContext): void {
  for (const hub of running.get(ctx) ?? []) hub.forgetWebhooks();
  nodeChannelOf(ctx.bus)?.send(WEBHOOKS_TOPIC, new Uint8Array(0));
}

/** Live event streams open on this context's servers. */
export function liveStreams(ctx: AppContext): number {
  let n = 0;
  for (const hub of running.get(ctx) ?? []) n += hub.connections;
  return n;
}

export class EventHub {
  readonly #ctx: AppContext;
  readonly #options: StreamOptions;
  readonly #ring: Ring<Entry>;
  readonly #listeners = new Set<Listener>();
  #unsubscribe: (() => void) | undefined;
  #stopListening: (() => void) | undefined;
  #webhooks: { filters: WebhookFilters; readAt: number } | undefined;
  /** Counts changes announced, so a read that started before one is not kept after it. */
  #webhookChanges = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Events are handled one after another, so the log, the ring and the streams share one order. */
  #queue: Promise<void> = Promise.resolve();
  readonly #pending: { event: DomainEvent; origin: EventOrigin }[] = [];

  constructor(ctx: AppContext, options: Partial<StreamOptions> = {}) {
    this.#ctx = ctx;
    this.#options = { ...STREAM_DEFAULTS, ...options };
    this.#ring = new Ring(this.#options.ringSize);
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#ctx.bus.subscribe((event, origin) => this.ingest(event, origin));
    this.#stopListening = nodeChannelOf(this.#ctx.bus)?.onMessage(WEBHOOKS_TOPIC, () => this.forgetWebhooks());
    if (!running.has(this.#ctx)) running.set(this.#ctx, new Set());
    running.get(this.#ctx)!.add(this);
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Stops listening, ends every stream and waits for events being logged. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stopListening?.();
    this.#stopListening = undefined;
    running.get(this.#ctx)?.delete(this);
    clearInterval(this.#heartbeat);
    this.closeStreams();
    await this.#queue;
  }

  /** Ends every stream (on shutdown: streams never finish by themselves). */
  closeStreams(): void {
    for (const listener of this.#listeners) listener.connection.close();
    this.#listeners.clear();
  }

  /** The webhook filters are read again before the next events are logged. */
  forgetWebhooks(): void {
    this.#webhooks = undefined;
    this.#webhookChanges++;
  }

  async #webhookFilters(): Promise<WebhookFilters> {
    const now = Date.now();
    if (this.#webhooks && now - this.#webhooks.readAt <= WEBHOOK_FILTERS_MS) return this.#webhooks.filters;
    const changes = this.#webhookChanges;
    const filters = await store.activeWebhookFilters(this.#ctx.db);
    if (changes === this.#webhookChanges) this.#webhooks = { filters, readAt: now };
    return filters;
  }

  get options(): Readonly<StreamOptions> {
    return this.#options;
  }

  get connections(): number {
    return this.#listeners.size;
  }

  /** Handles one event; resolves once it is logged (when local) and written to the streams. */
  ingest(event: DomainEvent, origin: EventOrigin = 'local'): Promise<void> {
    this.#pending.push({ event, origin });
    const run = this.#queue.then(() => this.#drain());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Logs every event waiting (one transaction for the lot, so a burst costs one commit, not
   * one per event), then writes them to the streams in order.
   */
  async #drain(): Promise<void> {
    const batch = this.#pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const now = this.#ctx.clock();
    const entries = batch.map(({ event, origin }) => this.#entry(normalise(event, now), origin === 'local'));
    try {
      if (entries.some((e) => e.local)) await this.#log(entries.filter((e) => e.local), now);
    } catch (error) {
      // Live consoles still get the events; only resume after a restart and webhooks miss them.
      this.#ctx.log.error({ err: error, events: entries.length, first: entries[0].event.id }, 'events could not be logged');
    }
    for (const entry of entries) {
      this.#ring.push(entry);
      for (const listener of this.#listeners) this.#offer(listener, entry);
    }
    if (this.#pending.length > 0) await this.#drain();
  }

  #entry(event: DomainEvent, local = false): Entry {
    // The tree as of the day the event happened (its `at` is normalised, always a valid instant).
    const date = calendarDate(new Date(event.at), this.#ctx.config.timeZone);
    const ancestorsOf = (code: string) => this.#ctx.city.tree.ancestors(code, date).map((d) => d.code);
    return { event, chain: divisionChain(event.scope.divisionCodes, ancestorsOf), frame: eventFrame(event), atMs: Date.parse(event.at), local };
  }

  async #log(entries: readonly Entry[], now: Date): Promise<void> {
    const webhooks = await this.#webhookFilters();
    const takers = entries.map(({ event, chain }) => webhooks.filter((w) => webhookTakes(w, event.type, chain)));
    const events = entries.map((e) => e.event);
    // Without a delivery to record, logging is one statement and needs no transaction.
    if (takers.every((t) => t.length === 0)) {
      await store.insertEvents(this.#ctx.db, events, now);
      return;
    }
    await this.#ctx.db.transaction(async (tx) => {
      const stored = await store.insertEvents(tx, events, now);
      const deliveries = entries.flatMap(({ event }, i) => (stored.has(event.id)
        ? takers[i].map((w) => ({ id: this.#ctx.newId('whd'), webhookId: w.id, eventId: event.id }))
        : []));
      await store.insertDeliveries(tx, deliveries, now);
    });
  }

  #offer(listener: Listener, entry: Entry): void {
    if (!receives(listener.connection.principal, entry.event.scope, entry.chain)) return;
    if (listener.held) {
      listener.held.push(entry);
      if (listener.held.length > this.#options.ringSize) this.#remove(listener, 'drop');
      return;
    }
    if (!listener.connection.write(entry.frame)) this.#listeners.delete(listener);
  }

  #remove(listener: Listener, how: 'close' | 'drop'): void {
    this.#listeners.delete(listener);
    if (how === 'drop') listener.connection.drop();
    else listener.connection.close();
  }

  /** Stops writing to a connection the client closed. */
  detach(connection: SseConnection): void {
    for (const listener of this.#listeners) if (listener.connection === connection) this.#listeners.delete(listener);
  }

  /**
   * Adds a live stream; with `lastEventId`, first replays what the principal missed after it,
   * or sends a reset when that event is no longer within the replay window.
   */
  async attach(connection: SseConnection, lastEventId?: string): Promise<void> {
    const listener: Listener = { connection, held: null };
    if (!lastEventId) {
      this.#listeners.add(listener);
      return;
    }
    const cutoff = this.#ctx.clock().getTime() - this.#options.replayWindowMs;
    const ring = this.#ring.toArray();
    const index = ring.findIndex((e) => e.event.id === lastEventId);
    if (index >= 0) {
      // Replay and registration happen in one turn, so no event falls between them.
      this.#listeners.add(listener);
      if (ring[index].atMs < cutoff) {
        this.#reset(connection, ring[ring.length - 1].event.id);
        return;
      }
      this.#replay(connection, ring.slice(index + 1).filter((e) => e.atMs >= cutoff));
      return;
    }
    // Not in memory (the process restarted, or it is older): the log has it, if anything does.
    listener.held = [];
    this.#listeners.add(listener);
    const sent = new Set<string>();
    try {
      const found = await store.findEvent(this.#ctx.db, lastEventId);
      if (!found || found.at.getTime() < cutoff || (await store.countEventsAfter(this.#ctx.db, found.seq)) > this.#options.ringSize) {
        this.#reset(connection, await store.newestEventId(this.#ctx.db));
      } else {
        const entries = (await store.eventsAfter(this.#ctx.db, found.seq, new Date(cutoff), this.#options.ringSize)).map((e) => this.#entry(e));
        this.#replay(connection, entries);
        for (const e of entries) sent.add(e.event.id);
      }
    } finally {
      const held = listener.held ?? [];
      listener.held = null;
      for (const entry of held) {
        if (sent.has(entry.event.id)) continue;
        if (!connection.write(entry.frame)) {
          this.#listeners.delete(listener);
          break;
        }
      }
    }
  }

  #replay(connection: SseConnection, entries: readonly Entry[]): void {
    // A replay is bounded by the ring size, so it may exceed the live allowance once.
    for (const entry of entries) {
      if (receives(connection.principal, entry.event.scope, entry.chain)) connection.write(entry.frame, { enforceLimit: false });
    }
  }

  #reset(connection: SseConnection, newestId: string | undefined): void {
    connection.write(resetFrame('the last event received is outside the replay window; reload', newestId), { enforceLimit: false });
  }

  #beat(): void {
    for (const listener of [...this.#listeners]) {
      if (listener.held) continue;
      if (!listener.connection.write(HEARTBEAT_FRAME)) {
        this.#listeners.delete(listener);
        continue;
      }
      listener.connection.reauthenticate().then(
        (principal) => {
          if (principal) listener.connection.principal = principal;
          else this.#remove(listener, 'close');
        },
        (error) => this.#ctx.log.warn({ err: error }, 'stream sign-in check failed'),
      );
    }
  }
}
