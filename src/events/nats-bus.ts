/**
 * The event bus across nodes, over NATS JetStream. Selected when NATS_URL is set.
 *
 * - Stream `CHENGYUN_EVENTS` holds subjects `chengyun.events.<event type>` (e.g.
 *   `chengyun.events.case.created`) for 24 h. With CHENGYUN_NATS_NAMESPACE=ns they are `NS_EVENTS`
 *   and `ns.events.…`, so two deployments (staging, production) can share one NATS; each message is one DomainEvent as JSON, its
 *   `Nats-Msg-Id` the event id (JetStream drops a resend within the 2-minute duplicate window)
 *   and its `Chengyun-Node` header the publishing node.
 * - publish() hands the event to this node's handlers at once (origin 'local') and queues it
 *   for JetStream; the queue is sent in order and retried while NATS is away, so an event a
 *   node published reaches the others once NATS is back.
 * - Every node reads the stream with an ordered consumer from "now" on and hands what other
 *   nodes published to its handlers (origin 'remote'); its own messages are skipped, so nothing
 *   is delivered twice. The ordered consumer resumes at the right sequence after a reconnect.
 *   A node that was down catches up through the event log (SSE Last-Event-ID), not the stream.
 */
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { NodeChannel } from '../cluster/channel.ts';
import { MemoryEventBus, type DomainEvent, type EventBus, type EventHandler } from './bus.ts';

export const DEFAULT_NAMESPACE = 'chengyun';
const NODE_HEADER = 'Chengyun-Node';
const NANOS_PER_MS = 1_000_000;
/** Events kept in the stream; a node down longer catches up from the event log. */
const STREAM_MAX_AGE_MS = 24 * 3_600_000;
const DUPLICATE_WINDOW_MS = 2 * 60_000;
/** Most events waiting for NATS; beyond it the oldest are dropped (and logged) rather than memory growing without bound. */
const MAX_QUEUED = 50_000;
const RETRY_MS = 1_000;

/** The stream and subject names of a namespace. */
export function eventNames(namespace = DEFAULT_NAMESPACE): { stream: string; prefix: string } {
  return { stream: `${namespace.toUpperCase().replace(/-/g, '_')}_EVENTS`, prefix: `${namespace}.events` };
}

/** `case.created` → `chengyun.events.case.created`; characters NATS reserves become `_`. */
export function subjectOf(type: string, prefix = eventNames().prefix): string {
  const tokens = type.split('.').map((t) => t.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  return `${prefix}.${tokens.join('.')}`;
}

export interface NatsBusOptions {
  servers: string;
  nodeId: string;
  /** Letters, digits, _ and -; keeps deployments sharing one NATS apart. */
  namespace?: string;
  log: Logger;
}

export class NatsEventBus implements EventBus, NodeChannel {
  readonly #local: MemoryEventBus;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #stream: string;
  readonly #prefix: string;
  readonly #namespace: string;
  readonly #queue: DomainEvent[] = [];
  #sending: Promise<void> | undefined;
  #messages: ConsumerMessages | undefined;
  #reading: Promise<void> = Promise.resolve();
  #closed = false;
  /** Counters for health checks and tests. */
  readonly stats = { published: 0, received: 0, dropped: 0 };

  private constructor(nc: NatsConnection, options: NatsBusOptions) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#nodeId = options.nodeId;
    this.#log = options.log;
    ({ stream: this.#stream, prefix: this.#prefix } = eventNames(options.namespace));
    this.#namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#local = new MemoryEventBus((error, event) => this.#log.error({ err: error, event: event.type }, 'event handler failed'));
  }

  /** Connects, makes sure the stream exists and starts reading other nodes' events. */
  static async connect(options: NatsBusOptions): Promise<NatsEventBus> {
    const nc = await connect({
      servers: options.servers.split(',').map((s) => s.trim()),
      name: `chengyun ${options.nodeId}`,
      // Keep trying for as long as the process lives: events queue meanwhile.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
    });
    const bus = new NatsEventBus(nc, options);
    try {
      await bus.#ensureStream();
      await bus.#startReading();
    } catch (error) {
      await nc.close();
      throw error;
    }
    bus.#watchStatus();
    return bus;
  }

  async #ensureStream(): Promise<void> {
    const jsm = await jetstreamManager(this.#nc);
    const config = {
      name: this.#stream,
      subjects: [`${this.#prefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: STREAM_MAX_AGE_MS * NANOS_PER_MS,
      duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS,
    };
    try {
      await jsm.streams.info(this.#stream);
      await jsm.streams.update(this.#stream, config);
    } catch (error) {
      if ((error as { name?: string }).name !== 'StreamNotFoundError' && !/not found/i.test(String((error as Error).message))) throw error;
      await jsm.streams.add(config);
    }
  }

  async #startReading(): Promise<void> {
    const consumer = await this.#js.consumers.get(this.#stream, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    this.#messages = messages;
    this.#reading = (async () => {
      for await (const m of messages) {
        if (m.headers?.get(NODE_HEADER) === this.#nodeId) continue;
        let event: DomainEvent;
        try {
          event = m.json<DomainEvent>();
        } catch (error) {
          this.#log.warn({ err: error, subject: m.subject }, 'unreadable event on the bus skipped');
          continue;
        }
        this.stats.received++;
        this.#local.deliver(event, 'remote');
      }
    })().catch((error) => {
      if (!this.#closed) this.#log.error({ err: error }, 'reading events from NATS stopped');
    });
  }

  #watchStatus(): void {
    void (async () => {
      for await (const s of this.#nc.status()) {
        if (s.type === 'disconnect') this.#log.warn({ server: s.server }, 'NATS connection lost; events are queued');
        else if (s.type === 'reconnect') {
          this.#log.info({ server: s.server, queued: this.#queue.length }, 'NATS connection back');
          this.#flush();
        }
      }
    })().catch(() => undefined);
  }

  publish(event: DomainEvent): void {
    this.#local.deliver(event, 'local');
    if (this.#closed) return;
    this.#queue.push(event);
    if (this.#queue.length > MAX_QUEUED) {
      const dropped = this.#queue.shift()!;
      this.stats.dropped++;
      this.#log.error({ event: dropped.id, type: dropped.type }, 'NATS unreachable too long: event not sent to other nodes');
    }
    this.#flush();
  }

  subscribe(handler: EventHandler): () => void {
    return this.#local.subscribe(handler);
  }

  /**
   * Core NATS, outside the stream: `<namespace>.direct.<topic>.<node>` to one node,
   * `<namespace>.direct.<topic>._all` to every node but the sender. At most once.
   */
  send(topic: string, data: Uint8Array, to?: string): void {
    if (this.#closed || this.#nc.isClosed()) return;
    const h = natsHeaders();
    h.set(NODE_HEADER, this.#nodeId);
    this.#nc.publish(`${this.#namespace}.direct.${topic}.${to ?? '_all'}`, data, { headers: h });
  }

  onMessage(topic: string, handler: (data: Uint8Array) => void): () => void {
    const subs = [this.#nodeId, '_all'].map((to) => this.#nc.subscribe(`${this.#namespace}.direct.${topic}.${to}`));
    for (const sub of subs) {
      void (async () => {
        for await (const m of sub) {
          if (m.headers?.get(NODE_HEADER) === this.#nodeId) continue;
          try {
            handler(m.data);
          } catch (error) {
            this.#log.error({ err: error, subject: m.subject }, 'node message handler failed');
          }
        }
      })();
    }
    return () => subs.forEach((sub) => sub.unsubscribe());
  }

  /** Events published here and not yet acknowledged by JetStream. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Sends the queue in order, one at a time; on failure waits and tries again. */
  #flush(): void {
    this.#sending ??= (async () => {
      while (this.#queue.length > 0) {
        const event = this.#queue[0];
        try {
          const h = natsHeaders();
          h.set(NODE_HEADER, this.#nodeId);
          await this.#js.publish(subjectOf(event.type, this.#prefix), JSON.stringify(event), { msgID: event.id, headers: h, timeout: 5_000 });
          this.#queue.shift();
          this.stats.published++;
        } catch (error) {
          if (this.#closed && this.#nc.isClosed()) return;
          this.#log.warn({ err: error, queued: this.#queue.length }, 'event not yet sent to NATS; retrying');
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })().finally(() => {
      this.#sending = undefined;
      if (this.#queue.length > 0 && !this.#nc.isClosed()) this.#flush();
    });
  }

  /** Sends what is queued (for up to `graceMs`), stops reading and closes the connection. */
  async close(graceMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#sending, new Promise((resolve) => { timer = setTimeout(resolve, graceMs); })]);
      clearTimeout(timer);
    }
    if (this.#queue.length > 0) this.#log.error({ queued: this.#queue.length }, 'stopped with events not sent to other nodes');
    await this.#messages?.close();
    await this.#nc.drain().catch(() => this.#nc.close());
    await this.#reading;
  }
}
