/** Migrates and seeds the template database once per run (city model, organisation, demo accounts). */
import { rmSync, mkdirSync } from 'node:fs';
import { openDb } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { seedCityModel } from '../../src/divisions/seed.ts';
import { CityModel } from '../../src/divisions/city-model.ts';
import { seedDemoUsers, seedUnits } from '../../src/org/seed.ts';
import { newId } from '../../src/ids.ts';
import { seedResponsibilityRules } from '../../src/routing/index.ts';
import { buildWeb, webBuildIsStale } from '../../scripts/build-web.ts';
// Fix this run's id before backend.ts computes its names; workers inherit it.
process.env.CHENGYUN_TEST_RUN ??= `${process.pid}`;
const { adminQuery, backend, serverUrl, TEMPLATE_DB, TEMPLATE_DIR, TMP_ROOT } = await import('./backend.ts');

/** The date the template's organisation is derived for (after the 2026 reform). */
export const SEED_DATE = '2026-06-01';

export default async function setup(): Promise<() => Promise<void>> {
  // The end-to-end tests drive the built console; rebuild it only when its sources changed.
  if (webBuildIsStale()) buildWeb();
  const started = performance.now();
  mkdirSync(TMP_ROOT, { recursive: true });
  let target: { databaseUrl?: string; dataDir?: string };
  if (backend === 'postgres') {
    await adminQuery(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await adminQuery(`create database ${TEMPLATE_DB}`);
    target = { databaseUrl: serverUrl(TEMPLATE_DB) };
  } else {
    rmSync(TMP_ROOT, { recursive: true, force: true });
    mkdirSync(TMP_ROOT, { recursive: true });
    target = { dataDir: TEMPLATE_DIR };
  }
  const db = await openDb(target);
  const at = new Date(`${SEED_DATE}T02:00:00Z`);
  await migrate(db);
  await seedCityModel(db, at);
  const city = await CityModel.load(db);
  await seedUnits(db, city, SEED_DATE, at);
  await seedDemoUsers(db, at, newId);
  await seedResponsibilityRules(db, at);
  await db.close();
  process.stderr.write(`test template (${backend}) ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return async () => {
    rmSync(TMP_ROOT, { recursive: true, force: true });
    if (backend === 'postgres') await adminQuery(`drop database if exists ${TEMPLATE_DB} with (force)`);
  };
}
