/**
 * Test storage backends. Every test file gets its own database cloned from a template that
 * was migrated and seeded once: a copied PGlite data folder (embedded), or
 * `create database … template …` on the PostgreSQL server.
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Backend = 'embedded' | 'postgres';

export const backend: Backend = process.env.CHENGYUN_TEST_BACKEND === 'postgres' ? 'postgres' : 'embedded';

/** Server used by the postgres backend; `postgres` database is used for admin statements. */
export const ADMIN_URL = process.env.CHENGYUN_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Per-run names, chosen by the global setup and handed to the test workers through the
 * environment, so two runs on one machine never share a template.
 */
const RUN = process.env.CHENGYUN_TEST_RUN ?? `${process.pid}`;
export const TMP_ROOT = resolve(`.tmp/test-${backend}-${RUN}`);
export const TEMPLATE_DIR = join(TMP_ROOT, 'template-embedded');
export const TEMPLATE_DB = `chengyun_test_template_${RUN}`;

export function serverUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
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

/** A fresh database cloned from the template; returns how to open it and how to drop it. */
export async function cloneTemplate(): Promise<{ databaseUrl?: string; dataDir?: string; drop(): Promise<void> }> {
  const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (backend === 'postgres') {
    await adminQuery(`create database ${name} template ${TEMPLATE_DB}`);
    return { databaseUrl: serverUrl(name), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
  }
  if (!existsSync(TEMPLATE_DIR)) throw new Error(`no template at ${TEMPLATE_DIR}: the global setup did not run`);
  const dataDir = join(TMP_ROOT, name);
  mkdirSync(TMP_ROOT, { recursive: true });
  cpSync(TEMPLATE_DIR, dataDir, { recursive: true });
  return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}
