/**
 * Shared by the scale-out and crash tests (and the soak benchmark): real `chengyun serve`
 * processes, plain HTTP against them, and live event streams read as a browser would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventNames } from '../../src/events/nats-bus.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';
import { readFrames } from '../support/sse.ts';

export const NATS_URL = process.env.CHENGYUN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const CLI = join(import.meta.dirname, '../../bin/chengyun');

export async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000, maxReconnectAttempts: 0 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

export interface Node {
  name: string;
  child: ChildProcess;
  port: number;
  base: string;
  /** What the process printed (for failure messages). */
  output(): string;
  exited: Promise<number | null>;
}

/** Environment for a node on a cloned test database. */
export function nodeEnv(clone: { databaseUrl?: string; dataDir?: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // These nodes carry test load from a few accounts: abuse limits are proven elsewhere (test/hardening).
  const env: NodeJS.ProcessEnv = {
    ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0',
    RATE_LIMIT_SIGNIN_ADDRESS: '0', RATE_LIMIT_SIGNIN_ACCOUNT: '0', RATE_LIMIT_INTAKE_ADDRESS: '0', RATE_LIMIT_INTAKE_REPORTER: '0', ...extra,
  };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  if (clone.databaseUrl) env.DATABASE_URL = clone.databaseUrl;
  else env.CHENGYUN_DATA_DIR = clone.dataDir;
  Object.assign(env, extra);
  return env;
}

/** Starts `chengyun serve` and resolves once it listens. */
export function startNode(name: string, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Node> {
  const child = spawn(CLI, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ name, child, port, base: `http://127.0.0.1:${port}`, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}: ${out.slice(-2000)}`)); });
  });
}

export interface Reply { status: number; body: string; json<T = Record<string, unknown>>(): T }

/** One HTTP request with a JSON body; network errors reject (the caller decides to retry). */
export function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${path}`, { method, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, json: () => JSON.parse(data) }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function signIn(base: string, username: string): Promise<Record<string, string>> {
  const res = await call(base, 'POST', '/api/v1/auth/login', { username, password: DEMO_PASSWORD });
  if (res.status !== 200) throw new Error(`sign-in ${username}: ${res.status} ${res.body}`);
  return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
}

export interface StreamEvent { id: string; type: string; data: { id: string; type: string; subject: { type: string; id: string }; payload: unknown } }

export interface LiveStream {
  events: StreamEvent[];
  /** Resolves once the server has answered with the stream's headers. */
  opened: Promise<void>;
  close(): void;
}

/** Reads /api/v1/events/stream as an SSE client; events collect in `events`. */
export function openStream(base: string, headers: Record<string, string>, agent?: http.Agent): LiveStream {
  const events: StreamEvent[] = [];
  let req: http.ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    req = http.get(`${base}/api/v1/events/stream`, { headers: { ...headers, accept: 'text/event-stream' }, agent }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      resolve();
      readFrames(res, (frame) => {
        if (frame.data && frame.event !== 'reset') events.push({ id: frame.id!, type: frame.event!, data: JSON.parse(frame.data) });
      });
    });
    req.on('error', reject);
  });
  return { events, opened, close: () => req?.destroy() };
}

/** Waits until `check` holds, polling; throws with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deletes a test namespace's event stream from NATS. */
export async function deleteStream(namespace: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(eventNames(namespace).stream).catch(() => undefined);
  await nc.close();
}

/** After a multi-node test: kills the nodes, closes the test's connection, drops the cloned database and the namespace's stream. */
export async function tearDown(parts: { nodes: readonly Node[]; db?: { close(): Promise<void> }; drop(): Promise<void>; namespace: string }): Promise<void> {
  for (const n of parts.nodes) n.child.kill('SIGKILL');
  await Promise.all(parts.nodes.map((n) => n.exited));
  await parts.db?.close();
  await parts.drop();
  await deleteStream(parts.namespace);
}
