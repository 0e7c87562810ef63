import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { cloneTemplate, TMP_ROOT } from '../support/backend.ts';
import { openDb } from '../../src/storage/db.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';

const CLI = join(import.meta.dirname, '../../bin/chengyun');

function envFor(clone: { databaseUrl?: string; dataDir?: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...extra };
  delete env.DATABASE_URL;
  if (clone.databaseUrl) env.DATABASE_URL = clone.databaseUrl;
  else env.CHENGYUN_DATA_DIR = clone.dataDir;
  return env;
}

function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(CLI, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

function request(agent: http.Agent, port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the chengyun process', () => {
  it('rejects bad configuration with a clear message and exit code 78', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ CHENGYUN_TIME_ZONE: 'Mars/Olympus' })).toThrow(/time zone/);
    const result = spawnSync(CLI, ['serve'], { env: { ...process.env, PORT: '70000' }, encoding: 'utf8' });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT: must be between 0 and 65535');
    const usage = spawnSync(CLI, ['frobnicate'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });

  it('serves a seeded database and finishes an acknowledged write when stopped mid-request', async () => {
    const clone = await cloneTemplate();
    try {
      const { child, port } = await startServer(envFor(clone));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const login = await request(agent, port, 'POST', '/api/v1/auth/login', { username: 'admin', password: DEMO_PASSWORD });
      expect(login.status).toBe(200);
      const token = JSON.parse(login.body).token;
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The new user's password hash takes tens of milliseconds: the stop signal lands mid-request.
      // (Sooner, it could land before the server has read the request off the kept-alive socket:
      // then the connection counts as idle and is closed, which a client meets by retrying.)
      const pending = request(agent, port, 'POST', '/api/v1/users',
        { username: 'late.writer', displayName: '关停测试', password: 'LateWriter2026', role: 'operator', unitId: 'C-500103' },
        { authorization: `Bearer ${token}` });
      setTimeout(() => child.kill('SIGTERM'), 40);
      const response = await pending;
      expect(response.status).toBe(201);
      expect(await exited).toBe(0);
      agent.destroy();
      const db = await openDb(clone);
      const rows = await db.query(`select 1 from app_user where username = 'late.writer'`);
      const audit = await db.query(`select 1 from audit_log where action = 'user.create' and after->>'username' = 'late.writer'`);
      await db.close();
      expect(rows).toHaveLength(1);
      expect(audit).toHaveLength(1);
    } finally {
      await clone.drop();
    }
  });

  it('verifies the audit chain from the command line and reports tampering with exit code 65', async () => {
    const clone = await cloneTemplate();
    try {
      const env = envFor(clone);
      const ok = spawnSync(CLI, ['audit', 'verify'], { env, encoding: 'utf8' });
      expect(ok.stdout).toContain('audit log intact');
      expect(ok.status).toBe(0);
      const db = await openDb(clone);
      const [first] = await db.query<{ seq: number }>('select min(seq)::int as seq from audit_log');
      await db.query(`update audit_log set actor = 'someone-else' where seq = $1`, [first.seq]);
      await db.close();
      const bad = spawnSync(CLI, ['audit', 'verify'], { env, encoding: 'utf8' });
      expect(bad.status).toBe(65);
      expect(bad.stdout).toMatch(/#\d+ \(chain \d+\) hash-mismatch/);
    } finally {
      await clone.drop();
    }
  });

  it('imports real grid boundaries and an official code for 两江新区, refusing bad files whole', async () => {
    const clone = await cloneTemplate();
    try {
      const env = envFor(clone);
      const db = await openDb(clone);
      const [community] = await db.query<{ code: string; geometry: unknown }>(
        `select code, geometry from division where code like '500103003%' and level = 'community' order by code limit 1`);
      const [{ n: gridsBefore }] = await db.query<{ n: number }>('select count(*)::int as n from grid');
      await db.close();
      const good = join(TMP_ROOT, `grids-${process.pid}.geojson`);
      writeFileSync(good, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: `${community.code}01`, name: '解放碑测试网格' }, geometry: community.geometry }] }));
      const bad = join(TMP_ROOT, `grids-bad-${process.pid}.geojson`);
      writeFileSync(bad, JSON.stringify({ type: 'FeatureCollection', features: [
        { type: 'Feature', properties: { code: `${community.code}02` }, geometry: community.geometry },
        { type: 'Feature', properties: { code: '99999999999901' }, geometry: community.geometry },
        { type: 'Feature', properties: { code: `${community.code}03` }, geometry: { type: 'Polygon', coordinates: [[[500, 1], [2, 2], [3, 3], [500, 1]]] } },
      ] }));
      const refused = spawnSync(CLI, ['import', 'boundaries', bad, '--level', 'grid'], { env, encoding: 'utf8' });
      expect(refused.status).toBe(65);
      expect(refused.stderr).toContain('feature 1: community 999999999999 is unknown');
      expect(refused.stderr).toContain('feature 2: coordinates must be');
      const imported = spawnSync(CLI, ['import', 'boundaries', good, '--level', 'grid'], { env, encoding: 'utf8' });
      expect(imported.status, imported.stderr).toBe(0);

      const list = join(TMP_ROOT, `official-${process.pid}.csv`);
      writeFileSync(list, '\uFEFFcode,name,level,parent_code,valid_from,valid_to,replaces\n500160,两江新区,district,500000,2026-01-25,,500199\n');
      const official = spawnSync(CLI, ['import', 'divisions', list], { env, encoding: 'utf8' });
      expect(official.status, official.stderr).toBe(0);
      expect(JSON.parse(official.stdout).replaced[0]).toMatchObject({ from: '500199', to: '500160' });

      const after = await openDb(clone);
      const grids = await after.query<{ code: string; synthetic: boolean; source: string }>('select code, synthetic, source from grid where community_code = $1', [community.code]);
      const [{ n: gridsAfter }] = await after.query<{ n: number }>('select count(*)::int as n from grid');
      const lj = await after.query<{ code: string; provisional: boolean }>(`select code, provisional from division where name = '两江新区'`);
      const [unit] = await after.query<{ scope_include: string[] }>(`select scope_include from unit where id = 'C-500199'`);
      const moved = await after.query(`select 1 from division where parent_code = '500160' and level = 'street'`);
      await after.close();
      expect(grids).toEqual([{ code: `${community.code}01`, synthetic: false, source: expect.stringContaining('import:grids-') }]);
      expect(gridsAfter).toBeLessThan(gridsBefore);
      expect(lj).toEqual([{ code: '500160', provisional: false }]);
      expect(unit.scope_include).toEqual(['500160']);
      expect(moved).toHaveLength(42);
    } finally {
      await clone.drop();
    }
  });
});
