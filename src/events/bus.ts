/**
 * The one event bus interface. Features publish typed domain events after their transaction
 * commits; consumers (live consoles, inboxes, webhooks) subscribe. In one process the bus is
 * in memory; across nodes the NATS JetStream bus (nats-bus.ts) carries the same events.
 */

/** Where an event happened, so consumers can deliver it only inside jurisdictions. */
export interface EventScope {
  /** Division codes from the city down to the finest known (district, street, community …). */
  divisionCodes: string[];
  /** Units directly involved (handling unit, supervising center …). */
  unitIds: string[];
  /** Users directly involved (the reporter, the assignee …). */
  userIds: string[];
}

export interface DomainEvent<T = unknown> {
  /** Unique id, time-ordered. */
  id: string;
  /** e.g. 'case.created', 'case.dispatched', 'case.overdue', 'alarm.raised'. */
  type: string;
  at: string;
  /** The entity the event is about. */
  subject: { type: string; id: string };
  scope: EventScope;
  payload: T;
}

/**
 * 'local': published by this process; 'remote': published by another node and carried here.
 * Work that must happen once per event cluster-wide (the event log, webhook deliveries) is done
 * for local events only; every node delivers both to its own live streams.
 */
export type EventOrigin = 'local' | 'remote';

export type EventHandler = (event: DomainEvent, origin: EventOrigin) => void | Promise<void>;

export interface EventBus {
  publish(event: DomainEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(handler: EventHandler): () => void;
  /** Sends what is still queued and lets go of connections (no-op in memory). */
  close?(): Promise<void>;
}

/** In-process bus: handlers run after the publisher's current tick; one failing handler doesn't stop the others. */
export class MemoryEventBus implements EventBus {
  readonly #handlers = new Set<EventHandler>();
  readonly #onError: (error: unknown, event: DomainEvent) => void;

  constructor(onError: (error: unknown, event: DomainEvent) => void = () => undefined) {
    this.#onError = onError;
  }

  publish(event: DomainEvent): void {
    this.deliver(event, 'local');
  }

  /** Hands an event to every handler; a bus that carries events between nodes calls it with 'remote'. */
  deliver(event: DomainEvent, origin: EventOrigin): void {
    for (const handler of [...this.#handlers]) {
      queueMicrotask(() => {
        try {
          const result = handler(event, origin);
          if (result instanceof Promise) result.catch((error) => this.#onError(error, event));
        } catch (error) {
          this.#onError(error, event);
        }
      });
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
}
