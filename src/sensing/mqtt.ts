/**
 * MQTT ingest: readings published by gateways and devices on `<root>/<gateway or device>/readings`
 * (a JSON array of {sensor, ts, value}) go through the same checks and pipeline as HTTP.
 * QoS 1: a message is acknowledged only after its readings are durably stored; while the
 * pipeline is full the client stops reading the socket, so the broker holds the backlog.
 * Several connections share one subscription ($share), so that several messages are in
 * flight and one commit carries many of them. Who may publish on a topic is the broker's
 * access control; the topic names the source, whose sensors alone are taken.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { AppContext } from '../app.ts';
import { Problem } from '../http/errors.ts';
import { ingestBatch } from './ingest.ts';
import { IngestBusy, type IngestPipeline } from './ingest-pipeline.ts';
import { parseBody, type IngestSource } from './ingest-validate.ts';
import type { SensorRegistry } from './registry.ts';

export interface MqttIngestOptions {
  url: string;
  topicRoot: string;
  /** Connections sharing the subscription (messages handled at once). */
  connections?: number;
}

export interface MqttIngest {
  /** Resolves once every connection is subscribed. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sourceOf(registry: SensorRegistry, name: string): IngestSource | undefined {
  const gateway = registry.gateway(name);
  if (gateway?.active) return { kind: 'gateway', gateway, key: `gateway:${gateway.id}` };
  const sensor = registry.get(name);
  if (sensor?.active) return { kind: 'device', sensor, key: `device:${sensor.id}` };
  return undefined;
}

export async function startMqttIngest(
  ctx: AppContext, parts: { registry: SensorRegistry; pipeline: IngestPipeline }, options: MqttIngestOptions,
): Promise<MqttIngest> {
  await parts.registry.ready();
  const connections = options.connections ?? 64;
  const filter = `${options.topicRoot}/+/readings`;
  const prefix = `${options.topicRoot}/`;
  let stopping = false;

  /** Stores one message's readings, waiting while the pipeline is full; never throws. */
  const handle = async (packet: IPublishPacket): Promise<void> => {
    const name = packet.topic.startsWith(prefix) ? packet.topic.slice(prefix.length, -'/readings'.length) : '';
    const source = sourceOf(parts.registry, name);
    let items: unknown[];
    try {
      const text = packet.payload.toString();
      items = text.trimStart().startsWith('{') ? [JSON.parse(text)] : parseBody(text, false);
    } catch (error) {
      if (!(error instanceof Problem) && !(error instanceof SyntaxError)) throw error;
      items = [undefined];
    }
    for (let attempt = 0; !stopping || attempt === 0; attempt++) {
      try {
        if (source) await ingestBatch(ctx, parts, source, items);
        else await parts.pipeline.submit({ nums: [], ts: [], values: [] }, `mqtt:${name.slice(0, 100)}`, items.map((_, index) => ({ index, sensor: null, reason: 'unknown_sensor' as const })));
        return;
      } catch (error) {
        if (!(error instanceof IngestBusy)) ctx.log.warn({ err: error, topic: packet.topic }, 'mqtt readings not stored yet; retrying');
        await sleep(error instanceof IngestBusy ? 50 : 1000);
      }
    }
  };

  const clients: MqttClient[] = [];
  const tag = randomBytes(4).toString('hex');
  for (let i = 0; i < connections; i++) {
    const client = mqtt.connect(options.url, {
      clientId: `chengyun-ingest-${tag}-${i}`, protocolVersion: 5, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000,
    });
    client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback();
      handle(packet).then(() => callback(), (error: unknown) => callback(error as Error));
    };
    client.on('error', (error) => ctx.log.warn({ err: error }, 'mqtt ingest connection error'));
    clients.push(client);
  }
  const topic = connections > 1 ? `$share/chengyun-ingest/${filter}` : filter;
  await Promise.all(clients.map(async (client) => {
    if (!client.connected) await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    await client.subscribeAsync(topic, { qos: 1 });
  }));
  ctx.log.info({ url: options.url, topic: filter, connections }, 'mqtt ingest subscribed');
  return {
    async stop() {
      stopping = true;
      await Promise.all(clients.map((c) => c.endAsync()));
    },
  };
}
