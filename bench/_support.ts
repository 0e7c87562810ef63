/**
 * Shared plumbing of the server benchmarks: a throwaway PostgreSQL database, the real
 * `chengyun serve` process, a closed-loop load generator over keep-alive HTTP, CPU and
 * pg_stat_activity sampling, and result output. The leading underscore keeps bench/run.ts
 * from running this file as a benchmark.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventNames } from '../src/events/nats-bus.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const ROOT = join(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin', 'chengyun');
export const RESULTS = join(import.meta.dirname, 'results');

/** The server whose `postgres` database takes the admin statements (create / drop database). */
export const ADMIN_URL = process.env.CHENGYUN_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Undefined when the server answers; otherwise why not (the benchmark then skips). */
export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server (dropped first if a crashed run left it); returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`create database ${name}`);
  return databaseUrl(name);
}

/** `bin/chengyun …` to completion; throws with its output when it fails. */
export function cli(args: string[], env: Record<string, string | undefined>): string {
  const result = spawnSync(CLI, args, { env: cleanEnv(env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`chengyun ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The caller's environment without a database choice of its own, plus `env`. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  delete out.DATABASE_URL;
  delete out.CHENGYUN_DATA_DIR;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `chengyun serve` on a free port. LOG_LEVEL=warn keeps per-request logging out of
 * the measurement, which also silences the "listening" line, so readiness is polled on /health.
 */
export async function startServer(env: Record<string, string | undefined>, command: string[] = [CLI, 'serve']): Promise<ServerProcess> {
  const port = await freePort();
  const [file, ...args] = command;
  const child = spawn(file, args, {
    // Load generators send from one address and a few accounts: the abuse limits would cap the figures.
    env: cleanEnv({
      LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port),
      RATE_LIMIT_SIGNIN_ADDRESS: '0', RATE_LIMIT_SIGNIN_ACCOUNT: '0', RATE_LIMIT_INTAKE_ADDRESS: '0', RATE_LIMIT_INTAKE_REPORTER: '0', ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe', ...(command[0] === CLI ? [] : ['ipc' as const])],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => { exited = code; resolve(); }));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`server exited with ${exited} before answering:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /health within 120 s:\n${output}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
    });
    if (ok) break;
    await sleep(200);
  }
  return {
    port,
    pid: child.pid!,
    child,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ── HTTP ───────────────────────────────────────────────────────────────────────────────

export interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export function send(agent: http.Agent, port: number, r: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(r.body);
    }
    const req = http.request({ agent, host: '127.0.0.1', port, method: r.method, path: r.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** A small client for setup calls (sign-in, geometry, listing), outside any measurement. */
export class Api {
  readonly port: number;
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  constructor(port: number) {
    this.port = port;
  }

  async json<T = unknown>(method: string, path: string, token?: string, body?: unknown, expect = [200, 201]): Promise<T> {
    const res = await send(this.agent, this.port, {
      method, path, headers: token ? { authorization: `Bearer ${token}` } : {}, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 500)}`);
    return JSON.parse(res.body) as T;
  }

  async login(username: string, password: string): Promise<string> {
    return (await this.json<{ token: string }>('POST', '/api/v1/auth/login', undefined, { username, password })).token;
  }

  close(): void {
    this.agent.destroy();
  }
}

// ── closed-loop load ───────────────────────────────────────────────────────────────────

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One operation; resolves to null when it succeeded, else a short description of the failure. */
  op: (i: number) => Promise<string | null>;
}

export interface LoadResult {
  concurrency: number;
  seconds: number;
  ops: number;
  opsPerSecond: number;
  errors: number;
  warmupErrors: number;
  errorSamples: string[];
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * `concurrency` workers, each issuing its next operation when the previous one answered
 * (a closed loop: the offered load adapts to the server, so the figure is its capacity).
 * Only operations that complete inside the window after the warm-up are counted.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now();
  const windowStart = t0 + o.warmupMs;
  const windowEnd = windowStart + o.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let warmupErrors = 0;
  const errorSamples: string[] = [];
  let next = 0;
  const worker = async () => {
    while (performance.now() < windowEnd) {
      const i = next++;
      const start = performance.now();
      let failure: string | null;
      try {
        failure = await o.op(i);
      } catch (error) {
        failure = (error as Error).message || String(error);
      }
      const end = performance.now();
      if (end >= windowStart && end <= windowEnd) {
        latencies.push(end - start);
        if (failure) errors++;
      } else if (failure && end < windowStart) {
        warmupErrors++;
      }
      if (failure && errorSamples.length < 5) errorSamples.push(failure.slice(0, 300));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = o.durationMs / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency: o.concurrency,
    seconds,
    ops: latencies.length,
    opsPerSecond: latencies.length / seconds,
    errors,
    warmupErrors,
    errorSamples,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? NaN,
    meanMs: latencies.reduce((s, v) => s + v, 0) / Math.max(1, latencies.length),
  };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** An HTTP operation for runLoad: fails unless the status is `expect`. */
export function httpOp(port: number, concurrency: number, expect: number, make: (i: number) => HttpRequest): { op: (i: number) => Promise<string | null>; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    op: async (i) => {
      const res = await send(agent, port, make(i));
      return res.status === expect ? null : `${res.status} ${res.body.slice(0, 200)}`;
    },
    close: () => agent.destroy(),
  };
}

// ── CPU ────────────────────────────────────────────────────────────────────────────────

/** Clock ticks per second of /proc (USER_HZ); 100 on every mainstream Linux. */
const HZ = 100;

function procTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Ticks of every PostgreSQL process on this machine (backends, WAL writer, checkpointer …), by pid. */
function postgresTicks(): Map<number, number> | undefined {
  const out = new Map<number, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (comm !== 'postgres' && !comm.startsWith('postgres:')) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(entry), Number(fields[11]) + Number(fields[12]));
      } catch {
        // The process ended between listing and reading.
      }
    }
  } catch {
    return undefined;
  }
  return out.size ? out : undefined;
}

/** Ticks used between two readings by the processes alive at the second (short-lived ones that ended are missed). */
function ticksBetween(a: Map<number, number> | undefined, b: Map<number, number> | undefined): number | undefined {
  if (!a || !b) return undefined;
  let total = 0;
  for (const [pid, ticks] of b) total += ticks - (a.get(pid) ?? 0);
  return total;
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = line.slice(0, 8).reduce((s, v) => s + v, 0);
    return { busy: total - line[3] - line[4], total };
  } catch {
    return undefined;
  }
}

export interface CpuShare {
  /** Percent of one core. */
  serverPct: number | null;
  postgresPct: number | null;
  benchPct: number;
  /** Percent of the whole machine (all cores) busy. */
  machineBusyPct: number | null;
}

/** CPU used between start() and stop() by the server process, PostgreSQL and this process. */
export function cpuMeter(serverPid: number | null): { stop(): CpuShare } {
  const t = performance.now();
  const server = serverPid ? procTicks(serverPid) : undefined;
  const postgres = postgresTicks();
  const machine = machineTicks();
  const self = process.cpuUsage();
  return {
    stop() {
      const seconds = (performance.now() - t) / 1000;
      const server2 = serverPid ? procTicks(serverPid) : undefined;
      const postgres2 = postgresTicks();
      const machine2 = machineTicks();
      const selfUsed = process.cpuUsage(self);
      const pct = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : ((b - a) / HZ / seconds) * 100);
      const pg = ticksBetween(postgres, postgres2);
      return {
        serverPct: pct(server, server2),
        postgresPct: pg === undefined ? null : (pg / HZ / seconds) * 100,
        benchPct: ((selfUsed.user + selfUsed.system) / 1e6 / seconds) * 100,
        machineBusyPct: machine && machine2 ? ((machine2.busy - machine.busy) / (machine2.total - machine.total)) * 100 : null,
      };
    },
  };
}

// ── pg_stat_activity ───────────────────────────────────────────────────────────────────

/** What a connection was doing in one sample. */
export type ActivityClass =
  | 'lock wait: audit_head'
  | 'lock wait: case_serial'
  | 'lock wait: other'
  | 'commit (WAL flush)'
  | 'running SQL'
  | 'idle in transaction (waiting for the app)'
  | 'idle (free in the pool)';

export interface ActivityProfile {
  samples: number;
  /** Mean number of the database's client connections. */
  connections: number;
  /** Share of connection-samples per class, 0..1. */
  shares: Record<string, number>;
  /** Mean connections per class (share × connections): how many were doing it at once on average. */
  meanConnections: Record<string, number>;
  /** Raw counts of `state | wait event | statement` for whoever wants the detail. */
  detail: Record<string, number>;
}

function statementLabel(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim().toLowerCase();
  if (q.startsWith('update audit_head set seq')) return 'audit_head bump';
  if (q.startsWith('update audit_head set hash')) return 'audit_head hash';
  if (q.startsWith('insert into case_serial')) return 'case_serial upsert';
  if (q === 'commit') return 'commit';
  if (q === 'begin') return 'begin';
  const m = /^(select|insert into|update|delete from)\s+(.*?)(\s|\(|$)/.exec(q);
  if (m) {
    const from = m[1] === 'select' ? /\bfrom ([a-z_]+)/.exec(q)?.[1] ?? 'expr' : m[2];
    return `${m[1].split(' ')[0]} ${from}`;
  }
  return q.slice(0, 30);
}

/** Samples pg_stat_activity of one database every `intervalMs` on its own connection. */
export function activitySampler(url: string, intervalMs = 10): { stop(): Promise<ActivityProfile> } {
  const counts: Record<string, number> = {};
  const detail: Record<string, number> = {};
  let samples = 0;
  let backendSamples = 0;
  let stopped = false;
  const client = new pg.Client({ connectionString: url });
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null; query: string }>(
        `select state, wait_event_type, wait_event, query from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      samples++;
      for (const r of rows) {
        backendSamples++;
        const label = statementLabel(r.query ?? '');
        let cls: ActivityClass;
        if (r.state === 'idle') cls = 'idle (free in the pool)';
        else if (r.state?.startsWith('idle in transaction')) cls = 'idle in transaction (waiting for the app)';
        else if (r.wait_event_type === 'Lock') cls = label === 'audit_head bump' ? 'lock wait: audit_head' : label === 'case_serial upsert' ? 'lock wait: case_serial' : 'lock wait: other';
        else if (label === 'commit') cls = 'commit (WAL flush)';
        else cls = 'running SQL';
        counts[cls] = (counts[cls] ?? 0) + 1;
        const key = `${r.state} | ${r.wait_event_type ?? '-'}:${r.wait_event ?? '-'} | ${label}`;
        detail[key] = (detail[key] ?? 0) + 1;
      }
      await sleep(intervalMs);
    }
    await client.end();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const shares: Record<string, number> = {};
      const meanConnections: Record<string, number> = {};
      for (const [k, v] of Object.entries(counts)) {
        shares[k] = v / Math.max(1, backendSamples);
        meanConnections[k] = v / Math.max(1, samples);
      }
      const sortedDetail = Object.fromEntries(Object.entries(detail).sort((a, b) => b[1] - a[1]).slice(0, 40));
      return { samples, connections: backendSamples / Math.max(1, samples), shares, meanConnections, detail: sortedDetail };
    },
  };
}

// ── output ─────────────────────────────────────────────────────────────────────────────

export const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The commit measured and the source files changed on top of it, so a figure can be traced to its code. */
function sourceState(): { commit: string | null; changed: string[] } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  if (head.status !== 0) return { commit: null, changed: [] };
  const status = git(['status', '--porcelain', '--', 'src']);
  return { commit: head.stdout.trim(), changed: status.stdout.split('\n').filter(Boolean).map((l) => l.slice(3)) };
}

/**
 * One figure a benchmark reports, next to the named reference it is judged against (a bare
 * framework endpoint, a raw database insert, brute force, a published peer figure). This is
 * all `npm run bench` needs from a benchmark: the script bench/<name>.ts prints its own
 * Markdown and ends with writeResult('<name>', { figures, ...details }); bench/run.ts
 * collects the figures of every benchmark into bench/results/latest.{json,md}.
 */
export interface Figure {
  /** What was measured, e.g. 'POST /api/v1/cases, PostgreSQL, 64 in flight'. */
  name: string;
  value: number;
  /** 'req/s', 'ms', '%' … */
  unit: string;
  /** The reference, in the same unit; ratio = value / reference.value unless given. */
  reference?: { name: string; value: number };
  ratio?: number;
  /** Which way is better, so the table can say whether the ratio is good news. */
  better?: 'higher' | 'lower';
}

export function figure(name: string, value: number, unit: string, reference?: { name: string; value: number }, better: Figure['better'] = 'higher'): Figure {
  return { name, value, unit, ...(reference ? { reference, ratio: reference.value ? value / reference.value : undefined } : {}), better };
}

export function writeResult(name: string, data: { figures?: Figure[] } & Record<string, unknown>): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, `${name}.json`),
    JSON.stringify({
      benchmark: name, date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
      source: sourceState(), ...data,
    }, null, 2) + '\n',
  );
}

/** Integer seconds from an environment variable, for shorter trial runs. */
export function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** NATS for the multi-node benchmarks. */
export const NATS_URL = process.env.CHENGYUN_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Why NATS cannot be used, or undefined when it can. */
export async function natsProblem(): Promise<string | undefined> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000, maxReconnectAttempts: 0 });
    await nc.close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** After a multi-node run: stops the servers, drops its database and deletes its namespace's event stream. */
export async function endClusterRun(servers: readonly ServerProcess[], database: string, namespace: string): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  await adminQuery(`drop database if exists ${database} with (force)`).catch(() => undefined);
  const nc = await connect({ servers: NATS_URL }).catch(() => undefined);
  if (nc) {
    await (await jetstreamManager(nc)).streams.delete(eventNames(namespace).stream).catch(() => undefined);
    await nc.close();
  }
}
