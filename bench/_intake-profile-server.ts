/**
 * `chengyun serve`, with the database handle wrapped so every statement and transaction is
 * timed, for bench/case-intake.ts to see where an intake's time goes without touching src/.
 * The parent talks to it over IPC: 'reset' clears the counters, 'stats' answers with them.
 */
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { loadContext, makeLogger, openStorage, serve } from '../src/main.ts';
import type { Db, Queryable } from '../src/storage/db.ts';

interface Bucket { count: number; ms: number }

/** Statement label → time, per kind of transaction ('intake', 'event log', …) and outside transactions. */
let stats = new Map<string, Map<string, Bucket>>();
let transactions = new Map<string, { count: number; ms: number }>();
/** How long each hot row stays locked: from the statement that takes it to the end of commit. */
let holds = new Map<string, { count: number; ms: number }>();

const LOCKS: Record<string, string> = {
  'upsert case_serial (takes the district-day lock)': 'case_serial row (district, day)',
  'update audit_head (seq, takes the chain lock)': 'audit_head row',
  'update audit_head (seq of several chains, takes their locks)': 'audit_head rows (a batch\'s chains)',
};

function add(group: string, label: string, ms: number): void {
  let g = stats.get(group);
  if (!g) stats.set(group, (g = new Map()));
  const b = g.get(label) ?? { count: 0, ms: 0 };
  b.count++;
  b.ms += ms;
  g.set(label, b);
}

function label(sql: string): string {
  const q = sql.replace(/\s+/g, ' ').trim();
  const lower = q.toLowerCase();
  if (lower.startsWith('with locked as (select id from audit_head')) return 'update audit_head (seq of several chains, takes their locks)';
  if (lower.startsWith('with ')) {
    // A statement with data-modifying CTEs: name every table it writes, in order.
    const writes = [...lower.matchAll(/(insert into|update|delete from) ([a-z_]+)/g)].map((m) => `${m[1].split(' ')[0]} ${m[2]}`);
    return `one statement: ${writes.join(' + ') || q.slice(0, 40)}`;
  }
  if (lower.startsWith('update audit_head set seq')) return 'update audit_head (seq, takes the chain lock)';
  if (lower.startsWith('update audit_head set hash')) return 'update audit_head (hash)';
  if (lower.startsWith('insert into case_serial')) return 'upsert case_serial (takes the district-day lock)';
  if (lower.startsWith('select app_user.*, to_jsonb(unit.*)')) return 'select token → user, unit';
  const m = /^(select .*? from|insert into|update|delete from) ([a-z_]+)/i.exec(q);
  return m ? `${m[1].split(' ')[0].toLowerCase()} ${m[2]}` : q.slice(0, 40);
}

/** Which transaction this was, from the tables it wrote. */
function kindOf(labels: string[]): string {
  if (labels.includes('insert case_record')) return 'intake';
  if (labels.includes('insert event_log')) return 'event log';
  if (labels.some((l) => l.includes('auth_token'))) return 'sign-in';
  return 'other';
}

function instrument(db: Db): Db {
  return {
    kind: db.kind,
    async query<T>(sql: string, params?: readonly unknown[]) {
      const t = performance.now();
      try {
        return await db.query<T>(sql, params);
      } finally {
        // An autocommit statement's time includes waiting for a pooled connection, so a row it
        // locks is not counted as held here; pg_stat_activity shows any waits on it.
        add('outside transactions (pool.query)', label(sql), performance.now() - t);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const started = performance.now();
      const steps: [string, number][] = [];
      const locked = new Map<string, number>();
      let entered = 0;
      let left = 0;
      const result = await db.transaction(async (tx) => {
        entered = performance.now();
        const wrapped: Queryable = {
          async query<R>(sql: string, params?: readonly unknown[]) {
            const t = performance.now();
            try {
              return await tx.query<R>(sql, params);
            } finally {
              const l = label(sql);
              const end = performance.now();
              steps.push([l, end - t]);
              if (LOCKS[l]) locked.set(LOCKS[l], end);
            }
          },
        };
        const value = await fn(wrapped);
        left = performance.now();
        return value;
      });
      const done = performance.now();
      const kind = kindOf(steps.map((s) => s[0]));
      add(kind, 'connection wait + begin', entered - started);
      for (const [l, ms] of steps) add(kind, l, ms);
      add(kind, 'commit', done - left);
      const gaps = (left - entered) - steps.reduce((s, [, ms]) => s + ms, 0);
      add(kind, 'between statements (app code, event loop)', gaps);
      for (const [lock, from] of locked) {
        const h = holds.get(lock) ?? { count: 0, ms: 0 };
        h.count++;
        h.ms += done - from;
        holds.set(lock, h);
      }
      const t = transactions.get(kind) ?? { count: 0, ms: 0 };
      t.count++;
      t.ms += done - started;
      transactions.set(kind, t);
      return result;
    },
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

const config = loadConfig();
const log = makeLogger(config);
const db = instrument(await openStorage(config, log));
const ctx = await loadContext(config, db, log);
await serve(ctx);

// The V8 sampling profiler over the measured window only, summarised here so the parent gets
// a few hundred bytes instead of the whole profile.
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 1000 });

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }

/** Where a sampled frame's code lives, in words a reader of the report recognises. */
function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)' || fn === '(root)') return 'V8 / native (program)';
  if (!url) return `native: ${fn || 'anonymous'}`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return `npm: ${m[1]}`;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return `${url.split('/').slice(0, 2).join('/')}`;
  return url;
}

function summarise(profile: { nodes: ProfileNode[]; samples: number[]; startTime: number; endTime: number }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += msPerSample;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + msPerSample);
    const f = `${functionName || '(anonymous)'} · ${a}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(f, (functions.get(f) ?? 0) + msPerSample);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((x, y) => y[1] - x[1]).slice(0, n).map(([name, ms]) => ({ name, ms }));
  return { busyMs: busy, wallMs: (profile.endTime - profile.startTime) / 1000, areas: top(areas, 25), functions: top(functions, 30) };
}

let elu = performance.eventLoopUtilization();
process.on('message', async (message: string) => {
  if (message === 'reset') {
    stats = new Map();
    transactions = new Map();
    holds = new Map();
    elu = performance.eventLoopUtilization();
    await session.post('Profiler.start');
    process.send!({ type: 'reset' });
  } else if (message === 'stats') {
    const used = performance.eventLoopUtilization(elu);
    const { profile } = await session.post('Profiler.stop');
    process.send!({
      type: 'stats',
      eventLoopUtilization: used.utilization,
      transactions: Object.fromEntries(transactions),
      holds: Object.fromEntries(holds),
      statements: Object.fromEntries([...stats].map(([k, v]) => [k, Object.fromEntries(v)])),
      cpu: summarise(profile as unknown as Parameters<typeof summarise>[0]),
    });
  }
});
