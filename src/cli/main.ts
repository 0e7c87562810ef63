/**
 * The `chengyun` command line: serve | demo | migrate | seed | import | user | audit.
 * Exit codes: 0 ok, 1 failure, 2 usage, 65 bad input file, 78 bad configuration.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, CONFIG_REFERENCE, EXIT_CONFIG, loadConfig, type Config } from '../config.ts';
import { makeLogger, openStorage, loadContext, serve, NotSeededError } from '../main.ts';
import { seedCityModel } from '../divisions/seed.ts';
import { CityModel } from '../divisions/city-model.ts';
import { importBoundaries, importOfficialList, type BoundaryLevel } from '../divisions/imports.ts';
import { seedUnits, seedDemoUsers, DEMO_ACCOUNTS, DEMO_PASSWORD } from '../org/seed.ts';
import { seedResponsibilityRules } from '../routing/index.ts';
import { renameDivisionCode, findUserByName, getUnit, insertUser, listUsersOfUnits, updateUser, revokeTokensOf } from '../org/store.ts';
import { hashPassword, passwordProblem } from '../org/passwords.ts';
import { ROLES, type Role } from '../org/model.ts';
import { appendAudit, verifyAuditLog } from '../audit/index.ts';
import { calendarDate } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Db } from '../storage/db.ts';
// Triage (智能分拨): `chengyun triage …` and the seed's first model.
import { runTriage, seedTriageModel, TRIAGE_USAGE } from '../triage/cli.ts';
import { seedDemoCases } from '../cases/demo.ts';
import { seedDemoSensors } from '../sensing/registry-seed.ts';

const USAGE = `chengyun — 城运 digital city operations platform

Usage:
  chengyun serve                          start the API server (migrates first)
  chengyun demo                           migrate, seed the city model and demo accounts, serve
  chengyun migrate                        apply database migrations
  chengyun seed [--demo]                  seed the city model and organisation (and demo accounts)
  chengyun import divisions FILE.csv      merge an official division list (code,name,level,parent_code,valid_from,valid_to,replaces)
  chengyun import boundaries FILE.geojson --level street|community|grid [--crs wgs84|gcj02]
  chengyun user add --username U --name N --role R [--unit UNIT_ID] [--password P]
  chengyun user list [--unit UNIT_ID]
  chengyun user passwd --username U --password P
  chengyun user disable --username U
  chengyun audit verify                   check the audit log's hash chain
${TRIAGE_USAGE}

Configuration (environment variables):
${CONFIG_REFERENCE.map((c) => `  ${c.name.padEnd(20)} ${c.meaning} (default ${c.default})`).join('\n')}
`;

class UsageError extends Error {}

const EXIT = { ok: 0, failure: 1, usage: 2, dataError: 65 } as const;

function progressPrinter(): (step: string, done: number, total: number) => void {
  let last = '';
  let lastAt = 0;
  return (step, done, total) => {
    const now = Date.now();
    const line = `  ${step}: ${done}/${total} (${Math.floor((done / Math.max(total, 1)) * 100)}%)`;
    if (line !== last && (now - lastAt > 500 || done === total)) {
      process.stderr.write(`${line}\n`);
      last = line;
      lastAt = now;
    }
  };
}

async function seed(config: Config, db: Db, demo: boolean): Promise<void> {
  const at = new Date();
  const started = performance.now();
  process.stderr.write('Seeding the city model (重庆市 divisions, outlines, grids)…\n');
  const summary = await seedCityModel(db, at, progressPrinter());
  process.stderr.write(summary.skipped
    ? '  city model already present, left as is\n'
    : `  ${summary.divisions} division versions, ${summary.grids} grids, ${summary.zones} management zones in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const city = await CityModel.load(db);
  const units = await seedUnits(db, city, calendarDate(at, config.timeZone), at);
  process.stderr.write(units.skipped ? '  organisation already present, left as is\n' : `  ${units.units} centers and departments\n`);
  const rules = await seedResponsibilityRules(db, at);
  process.stderr.write(rules.skipped ? '  responsibility list already present, left as is\n' : `  ${rules.rules} responsibility rules (权责清单)\n`);
  process.stderr.write(await seedTriageModel(db));
  if (demo) {
    const created = await seedDemoUsers(db, at, newId);
    process.stderr.write(`  ${created} demo accounts created\n`);
    const sensors = await seedDemoSensors(db, city, at, calendarDate(at, config.timeZone));
    process.stderr.write(sensors.gateway
      ? `  ${sensors.sensors} demo sensors on ${sensors.assets} assets, ${sensors.readings} readings; gateway ${sensors.gateway.code} secret ${sensors.gateway.secret}\n`
      : '  demo sensors already present, left as is\n');
  }
}

function printDemoBanner(url: string): void {
  const lines = [
    '',
    `  chengyun 城运 is running at ${url}`,
    `  API docs:   ${url}/docs`,
    `  Demo login: admin / ${DEMO_PASSWORD}   (POST ${url}/api/v1/auth/login)`,
    `  Other demo accounts (same password): ${DEMO_ACCOUNTS.filter((a) => a.username !== 'admin').map((a) => a.username).join(', ')}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runServe(config: Config, demo: boolean): Promise<void> {
  const log = makeLogger(config);
  const db = await openStorage(config, log);
  if (demo) await seed(config, db, true);
  const ctx = await loadContext(config, db, log);
  if (demo) {
    const resident = await findUserByName(db, 'citizen');
    const started = performance.now();
    const cases = resident ? await seedDemoCases(ctx, resident) : { created: 0, skipped: true };
    if (!cases.skipped) process.stderr.write(`  ${cases.created} demo cases in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const running = await serve(ctx);
  if (demo) printDemoBanner(running.url);
  else log.info({ url: running.url }, 'chengyun listening');
}

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const log = makeLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const db = await openStorage(config, log);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function readInput(path: string | undefined): { text: string; path: string } {
  if (!path) throw new UsageError('missing FILE');
  try {
    return { text: readFileSync(path, 'utf8'), path };
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

async function runImport(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { level: { type: 'string' }, crs: { type: 'string', default: 'wgs84' } } });
  const [what, file] = positionals;
  const input = readInput(file);
  const outcome = await withDb(config, async (db) => {
    if (what === 'divisions') return importOfficialList(db, input.text, input.path, new Date(), renameDivisionCode);
    if (what === 'boundaries') {
      const level = values.level as BoundaryLevel;
      if (!['street', 'community', 'grid'].includes(level)) throw new UsageError('--level must be street, community or grid');
      if (values.crs !== 'wgs84' && values.crs !== 'gcj02') throw new UsageError('--crs must be wgs84 or gcj02');
      return importBoundaries(db, input.text, input.path, level, values.crs, new Date());
    }
    throw new UsageError(`unknown import "${what}"`);
  });
  if (!outcome.ok) {
    process.stderr.write(`Refused ${input.path}; nothing was changed:\n${outcome.errors.slice(0, 50).map((e) => `  ${e.item}: ${e.message}`).join('\n')}\n`);
    if (outcome.errors.length > 50) process.stderr.write(`  … and ${outcome.errors.length - 50} more\n`);
    return EXIT.dataError;
  }
  process.stdout.write(`${JSON.stringify(outcome.summary, null, 2)}\n`);
  return EXIT.ok;
}

async function runUser(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, unit: { type: 'string' }, password: { type: 'string' }, phone: { type: 'string' } },
  });
  const [action] = positionals;
  const at = new Date();
  return withDb(config, async (db) => {
    switch (action) {
      case 'add': {
        const { username, name, role, unit } = values;
        if (!username || !name || !role) throw new UsageError('user add needs --username, --name and --role');
        if (!ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        if (role !== 'citizen' && !unit) throw new UsageError(`role ${role} needs --unit`);
        if (unit && !(await getUnit(db, unit))) throw new UsageError(`unknown unit ${unit}`);
        if (await findUserByName(db, username)) throw new UsageError(`username ${username} is taken`);
        const password = values.password ?? `Cy${Math.random().toString(36).slice(2, 12)}7`;
        const weak = passwordProblem(password);
        if (weak) throw new UsageError(weak);
        const passwordHash = await hashPassword(password);
        const user = await db.transaction(async (tx) => {
          const u = await insertUser(tx, { id: newId('usr'), username, displayName: name, passwordHash, role: role as Role, unitId: unit ?? null, phone: values.phone ?? null }, at);
          await appendAudit(tx, { at, actor: 'cli', action: 'user.create', entityType: 'user', entityId: u.id, after: u });
          return u;
        });
        process.stdout.write(`${JSON.stringify(user)}\n${values.password ? '' : `password: ${password}\n`}`);
        return EXIT.ok;
      }
      case 'list': {
        const users = await listUsersOfUnits(db, values.unit ? [values.unit] : 'all', 10_000, null);
        for (const u of users) process.stdout.write(`${u.username}\t${u.role}\t${u.unitId ?? '-'}\t${u.displayName}${u.disabled ? '\t(disabled)' : ''}\n`);
        return EXIT.ok;
      }
      case 'passwd':
      case 'disable': {
        if (!values.username) throw new UsageError(`user ${action} needs --username`);
        const user = await findUserByName(db, values.username);
        if (!user) throw new UsageError(`unknown user ${values.username}`);
        if (action === 'passwd') {
          if (!values.password) throw new UsageError('user passwd needs --password');
          const weak = passwordProblem(values.password);
          if (weak) throw new UsageError(weak);
        }
        const passwordHash = action === 'passwd' ? await hashPassword(values.password!) : undefined;
        await db.transaction(async (tx) => {
          const after = await updateUser(tx, user.id, action === 'passwd' ? { passwordHash } : { disabled: true }, at);
          await revokeTokensOf(tx, user.id, at);
          await appendAudit(tx, { at, actor: 'cli', action: action === 'passwd' ? 'user.password' : 'user.disable', entityType: 'user', entityId: user.id, after });
        });
        process.stdout.write(`${action === 'passwd' ? 'password changed' : 'disabled'}: ${values.username}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown user action "${action ?? ''}"`);
    }
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
  try {
    switch (command) {
      case 'serve':
        await runServe(config, false);
        return -1;
      case 'demo':
        await runServe(config, true);
        return -1;
      case 'migrate':
        await withDb(config, async () => undefined);
        process.stdout.write('migrations up to date\n');
        return EXIT.ok;
      case 'seed': {
        const demo = parseArgs({ args: rest, options: { demo: { type: 'boolean', default: false } } }).values.demo ?? false;
        await withDb(config, (db) => seed(config, db, demo));
        return EXIT.ok;
      }
      case 'import':
        return await runImport(config, rest);
      case 'user':
        return await runUser(config, rest);
      case 'triage':
        return await withDb(config, (db) => runTriage(db, rest));
      case 'audit': {
        if (rest[0] !== 'verify') throw new UsageError('usage: chengyun audit verify');
        const result = await withDb(config, (db) => verifyAuditLog(db));
        if (result.faults.length === 0) {
          process.stdout.write(`audit log intact: ${result.entries} entries verified\n`);
          return EXIT.ok;
        }
        process.stdout.write(`audit log TAMPERED: ${result.faults.length} fault(s) in ${result.entries} entries\n${result.faults.map((f) => `  #${f.seq} (chain ${f.chain}) ${f.problem}: ${f.detail}`).join('\n')}\n`);
        return EXIT.dataError;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof NotSeededError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.failure;
    }
    process.stderr.write(`chengyun ${command} failed: ${(error as Error).stack ?? error}\n`);
    return EXIT.failure;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
