/**
 * Typed configuration from environment variables, validated once at start.
 * A bad value stops the process with a message naming the variable (exit code 78, EX_CONFIG).
 */

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
  /** Requests per minute (and burst) on sign-in and public intake, per node; 0 turns one off. */
  rateLimits: RateLimits;
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
    rateLimits: {
      signInPerAddress: integer(env, 'RATE_LIMIT_SIGNIN_ADDRESS', 60, 0, 1_000_000),
      signInPerAccount: integer(env, 'RATE_LIMIT_SIGNIN_ACCOUNT', 10, 0, 1_000_000),
      intakePerAddress: integer(env, 'RATE_LIMIT_INTAKE_ADDRESS', 120, 0, 1_000_000),
      intakePerReporter: integer(env, 'RATE_LIMIT_INTAKE_REPORTER', 30, 0, 1_000_000),
    },
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
  { name: 'RATE_LIMIT_SIGNIN_ADDRESS', default: '60', meaning: 'sign-ins per minute from one client address, per node (0: off)' },
  { name: 'RATE_LIMIT_SIGNIN_ACCOUNT', default: '10', meaning: 'sign-ins per minute for one username, per node (0: off)' },
  { name: 'RATE_LIMIT_INTAKE_ADDRESS', default: '120', meaning: 'citizen reports and Open311 requests per minute from one client address, per node (0: off)' },
  { name: 'RATE_LIMIT_INTAKE_REPORTER', default: '30', meaning: 'reports per minute from one citizen account or Open311 key, per node (0: off)' },
];
