/**
 * Typed configuration from environment variables, validated once at start.
 * A bad value stops the process with a message naming the variable (exit code 78, EX_CONFIG).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface Config {
  /** PostgreSQL server URL; when absent the embedded database (PGlite) in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database and uploaded files. */
  dataDir: string;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Lifetime of a sign-in token, seconds. */
  tokenTtlSeconds: number;
  /** Time zone of the city's calendar. */
  timeZone: string;
  /** Public base URL shown in logs and links. */
  publicUrl: string | undefined;
  /** NATS server(s) with JetStream; when set, domain events reach every node (scale-out). */
  natsUrl: string | undefined;
  /** Names the NATS stream and subjects, so deployments sharing one NATS stay apart. */
  natsNamespace: string;
  /** This process's name among the nodes (event origin, partition ownership); unique per process. */
  nodeId: string;
  /** A node that has not renewed its membership for this long is taken for dead, milliseconds. */
  nodeLeaseMs: number;
  /** MQTT broker to take sensor readings from; MQTT ingest is off when absent. */
  mqttUrl: string | undefined;
  /** Topic root: readings arrive on `<root>/<gateway or device>/readings`. */
  mqttTopicRoot: string;
  /** Retention of raw readings, 1-minute and 1-hour rollups, days (older readings are refused as stale). */
  sensingRawDays: number;
  sensingMinuteDays: number;
  sensingHourDays: number;
  /** Readings queued for storage and rule evaluation before ingest answers 503 (MQTT pauses). */
  ingestQueueReadings: number;
  /** Requests per minute (and burst) on sign-in and public intake; 0 turns one off. */
  rateLimits: RateLimits;
  /** Redis holding the rate limits' buckets, shared by every node; absent: each node counts for itself. */
  redisUrl: string | undefined;
}

export interface RateLimits {
  signInPerAddress: number;
  signInPerAccount: number;
  /** Citizen reports and Open311 requests from one client address. */
  intakePerAddress: number;
  /** Citizen reports from one account, Open311 requests from one API key. */
  intakePerReporter: number;
}

export const EXIT_CONFIG = 78;

/** Host name and process id, plus a random tail so a restarted process is a new node. */
export function defaultNodeId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function timeZone(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(name, `unknown time zone "${raw}"`);
  }
  return raw;
}

/** One or more comma-separated nats:// (or tls://) URLs. */
function natsServers(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  for (const part of raw.split(',')) url({ [name]: part.trim() }, name, ['nats:', 'tls:']);
  return raw;
}

/** A name that is safe in NATS subjects and log lines. */
function token(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new ConfigError(name, `must be 1 to 64 letters, digits, _ or -, got "${raw}"`);
  return raw;
}

function topicRoot(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(raw)) throw new ConfigError(name, `must be topic levels of A-Z a-z 0-9 _ . - without wildcards, got "${raw}"`);
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: env.CHENGYUN_DATA_DIR || './data',
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    bodyLimit: integer(env, 'BODY_LIMIT', 1_048_576, 1024, 104_857_600),
    tokenTtlSeconds: integer(env, 'TOKEN_TTL_SECONDS', 12 * 3600, 60, 30 * 24 * 3600),
    timeZone: timeZone(env, 'CHENGYUN_TIME_ZONE', 'Asia/Shanghai'),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']),
    natsUrl: natsServers(env, 'NATS_URL'),
    natsNamespace: token(env, 'CHENGYUN_NATS_NAMESPACE', 'chengyun'),
    nodeId: env.CHENGYUN_NODE_ID ? token(env, 'CHENGYUN_NODE_ID', '') : defaultNodeId(),
    nodeLeaseMs: integer(env, 'CHENGYUN_NODE_LEASE_MS', 15_000, 3_000, 600_000),
    mqttUrl: url(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
    mqttTopicRoot: topicRoot(env, 'MQTT_TOPIC_ROOT', 'chengyun/v1'),
    sensingRawDays: integer(env, 'SENSING_RAW_DAYS', 30, 1, 3650),
    sensingMinuteDays: integer(env, 'SENSING_1M_DAYS', 180, 1, 3650),
    sensingHourDays: integer(env, 'SENSING_1H_DAYS', 1825, 1, 36500),
    ingestQueueReadings: integer(env, 'INGEST_QUEUE_READINGS', 200_000, 1000, 10_000_000),
    rateLimits: {
      signInPerAddress: integer(env, 'RATE_LIMIT_SIGNIN_ADDRESS', 60, 0, 1_000_000),
      signInPerAccount: integer(env, 'RATE_LIMIT_SIGNIN_ACCOUNT', 10, 0, 1_000_000),
      intakePerAddress: integer(env, 'RATE_LIMIT_INTAKE_ADDRESS', 120, 0, 1_000_000),
      intakePerReporter: integer(env, 'RATE_LIMIT_INTAKE_REPORTER', 30, 0, 1_000_000),
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
  };
}

/** Documented settings, used by the README and `chengyun --help`. */
export const CONFIG_REFERENCE: readonly { name: string; default: string; meaning: string }[] = [
  { name: 'DATABASE_URL', default: '(unset: embedded)', meaning: 'PostgreSQL server URL, e.g. postgres://user@127.0.0.1:5432/chengyun' },
  { name: 'CHENGYUN_DATA_DIR', default: './data', meaning: 'folder of the embedded database' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'interface to listen on' },
  { name: 'PORT', default: '3000', meaning: 'HTTP port (0 picks a free one)' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace or silent' },
  { name: 'BODY_LIMIT', default: '1048576', meaning: 'largest request body in bytes' },
  { name: 'TOKEN_TTL_SECONDS', default: '43200', meaning: 'lifetime of a sign-in token' },
  { name: 'CHENGYUN_TIME_ZONE', default: 'Asia/Shanghai', meaning: 'time zone of the city calendar' },
  { name: 'PUBLIC_URL', default: '(unset)', meaning: 'public base URL printed at start' },
  { name: 'NATS_URL', default: '(unset: one node)', meaning: 'NATS JetStream server(s), comma-separated, e.g. nats://127.0.0.1:4222; events then reach every node' },
  { name: 'CHENGYUN_NATS_NAMESPACE', default: 'chengyun', meaning: 'NATS stream <NAMESPACE>_EVENTS and subjects <namespace>.events.<type>, Redis keys <namespace>:ratelimit:…; one per deployment' },
  { name: 'CHENGYUN_NODE_ID', default: 'host-pid-random', meaning: 'name of this node among several; must differ per process' },
  { name: 'CHENGYUN_NODE_LEASE_MS', default: '15000', meaning: 'a node silent this long is taken for dead and its partitions move' },
  { name: 'MQTT_URL', default: '(unset: off)', meaning: 'MQTT broker for sensor readings, e.g. mqtt://127.0.0.1:1883' },
  { name: 'MQTT_TOPIC_ROOT', default: 'chengyun/v1', meaning: 'readings arrive on <root>/<gateway or device>/readings' },
  { name: 'SENSING_RAW_DAYS', default: '30', meaning: 'days raw sensor readings are kept' },
  { name: 'SENSING_1M_DAYS', default: '180', meaning: 'days 1-minute rollups are kept' },
  { name: 'SENSING_1H_DAYS', default: '1825', meaning: 'days 1-hour rollups are kept' },
  { name: 'INGEST_QUEUE_READINGS', default: '200000', meaning: 'readings queued before ingest answers 503 / pauses MQTT' },
  { name: 'RATE_LIMIT_SIGNIN_ADDRESS', default: '60', meaning: 'sign-ins per minute from one client address (0: off); per node unless REDIS_URL is set' },
  { name: 'RATE_LIMIT_SIGNIN_ACCOUNT', default: '10', meaning: 'sign-ins per minute for one username (0: off); per node unless REDIS_URL is set' },
  { name: 'RATE_LIMIT_INTAKE_ADDRESS', default: '120', meaning: 'citizen reports and Open311 requests per minute from one client address (0: off); per node unless REDIS_URL is set' },
  { name: 'RATE_LIMIT_INTAKE_REPORTER', default: '30', meaning: 'reports per minute from one citizen account or Open311 key (0: off); per node unless REDIS_URL is set' },
  { name: 'REDIS_URL', default: '(unset: per node)', meaning: 'Redis holding the rate limits, shared by every node, e.g. redis://127.0.0.1:6379/0; while it is unreachable each node counts for itself' },
];
